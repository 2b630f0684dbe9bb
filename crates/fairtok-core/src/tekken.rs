//! Mistral's "tekken" tokenizer files (`tekken.json`), read as mistral-common reads them.
//!
//! # The format
//!
//! A tekken file is one JSON object: `config` (`pattern`, `num_vocab_tokens`,
//! `default_vocab_size`, `default_num_special_tokens`, `version`), `vocab` (a list of
//! `{rank, token_bytes (base64), token_str}`), optionally `special_tokens` (a list of
//! `{rank, token_str, is_control}`), and image or audio settings that do not concern text.
//!
//! # The encoding rule and its invariants
//!
//! mistral-common's `Tekkenizer` is tiktoken underneath: the ranks are tiktoken ranks (the rank is
//! the merge priority, lower merges first) and `config.pattern` is the pre-tokenizer. Then:
//!
//! * **ids = rank + `default_num_special_tokens`** (1000 in every published file): ids below
//!   that are the special tokens.
//! * **Only the first `default_vocab_size - default_num_special_tokens` ranks are used**: the
//!   rest of `vocab` (19,928 entries of `tekken_240911.json`) is ignored. Entry `i` must have
//!   rank `i`, and entries 0-255 must be the 256 single bytes.
//! * **Special tokens**: those of `special_tokens`, each at its `rank` (= its id); a file
//!   without the list (allowed up to version v7) gets mistral-common's twenty defaults
//!   (`<unk>`, `<s>`, `</s>`, `[INST]`, ...); the ids left up to the number of special
//!   tokens are named `<SPECIAL_{id}>`. `Tekkenizer.encode(text, bos=False, eos=False)` never
//!   matches special tokens written in the text (they are ordinary text), which is fairtok's
//!   default here too; `add_special` prepends BOS (`<s>`), as `encode(text, bos=True,
//!   eos=False)`, the form mistral-common's instruct tokenizers use.
//!
//! Shifting every rank by the same number keeps their order, so fairtok encodes with its
//! tiktoken engine on ranks `rank + num_special` and the ids come out directly. Decoding gives
//! each id's bytes; a special id decodes to its name (mistral-common's `decode` drops special
//! ids by default, `SpecialTokenPolicy.IGNORE`).

use base64::Engine as _;
use serde_json::Value;

use crate::error::{Error, Result};

/// The versions of mistral-common's `TokenizerVersion` (1.13.1).
const VERSIONS: &[&str] = &["v1", "v2", "v3", "v7", "v11", "v13", "v15"];

/// mistral-common's special tokens for a file without `special_tokens` (version v7 or older),
/// at ids 0, 1, 2, ...
const DEFAULT_SPECIALS: &[&str] = &[
    "<unk>",
    "<s>",
    "</s>",
    "[INST]",
    "[/INST]",
    "[AVAILABLE_TOOLS]",
    "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]",
    "[/TOOL_RESULTS]",
    "[TOOL_CALLS]",
    "[IMG]",
    "<pad>",
    "[IMG_BREAK]",
    "[IMG_END]",
    "[PREFIX]",
    "[MIDDLE]",
    "[SUFFIX]",
    "[SYSTEM_PROMPT]",
    "[/SYSTEM_PROMPT]",
    "[TOOL_CONTENT]",
];

/// The name of BOS in mistral-common.
pub(crate) const BOS: &str = "<s>";

/// A tekken file, ready for the tiktoken engine.
#[derive(Debug)]
pub(crate) struct TekkenFile {
    /// `(bytes, id)` of the used vocabulary: id = rank + number of special tokens.
    pub ranks: Vec<(Vec<u8>, u32)>,
    /// `config.pattern`.
    pub pattern: String,
    /// `(name, id)` of all special tokens, ids `0..num_special`.
    pub specials: Vec<(String, u32)>,
    /// `config.version`.
    pub version: String,
}

/// Whether a JSON document is a tekken file: an object with `config` and a `vocab` list, and
/// no `model` (which a `tokenizer.json` has).
pub(crate) fn looks_like(root: &Value) -> bool {
    root.get("model").is_none()
        && root.get("config").is_some_and(Value::is_object)
        && root.get("vocab").is_some_and(Value::is_array)
}

/// Reads a tekken document (see the module docs). `origin` names the file in errors.
pub(crate) fn parse(root: &Value, origin: &str) -> Result<TekkenFile> {
    let err = |at: &str, reason: String| Error::Tekken {
        path: origin.to_owned(),
        reason: format!("{at}: {reason}"),
    };
    let config = &root["config"];
    let version = config
        .get("version")
        .and_then(Value::as_str)
        .ok_or_else(|| err("$.config", "missing string field `version`".into()))?;
    if !VERSIONS.contains(&version) {
        return Err(Error::Unsupported {
            path: origin.to_owned(),
            component: "tekken version",
            kind: version.to_owned(),
            supported: "v1, v2, v3, v7, v11, v13, v15 (mistral-common 1.13.1)",
        });
    }
    let pattern = config
        .get("pattern")
        .and_then(Value::as_str)
        .ok_or_else(|| err("$.config", "missing string field `pattern`".into()))?;
    let count = |k: &str| {
        config
            .get(k)
            .and_then(Value::as_u64)
            .filter(|&n| n < u32::MAX as u64 / 2)
            .ok_or_else(|| err("$.config", format!("missing or invalid integer `{k}`")))
    };
    let vocab_size = count("default_vocab_size")?;
    let num_special = count("default_num_special_tokens")?;
    let vocab = root["vocab"].as_array().expect("looks_like checked it");
    let inner = vocab_size.checked_sub(num_special).ok_or_else(|| {
        err(
            "$.config",
            format!(
                "default_vocab_size {vocab_size} is below default_num_special_tokens {num_special}"
            ),
        )
    })? as usize;
    if inner > vocab.len() {
        return Err(err(
            "$.vocab",
            format!(
                "{} entries, but default_vocab_size - default_num_special_tokens = {inner} are used",
                vocab.len()
            ),
        ));
    }
    let mut ranks = Vec::with_capacity(inner);
    let b64 = base64::engine::general_purpose::STANDARD;
    for (i, entry) in vocab[..inner].iter().enumerate() {
        let at = format!("$.vocab[{i}]");
        if entry.get("rank").and_then(Value::as_u64) != Some(i as u64) {
            return Err(err(&at, format!("rank must be {i} (entry i has rank i)")));
        }
        let bytes = entry
            .get("token_bytes")
            .and_then(Value::as_str)
            .ok_or_else(|| err(&at, "missing string field `token_bytes`".into()))
            .and_then(|s| {
                b64.decode(s)
                    .map_err(|e| err(&at, format!("token_bytes is not base64: {e}")))
            })?;
        if i < 256 && bytes != [i as u8] {
            return Err(err(
                &at,
                format!("entries 0-255 are the single bytes; this one is not byte {i}"),
            ));
        }
        ranks.push((bytes, i as u32 + num_special as u32));
    }
    let mut names: Vec<Option<String>> = vec![None; num_special as usize];
    match root.get("special_tokens").filter(|s| !s.is_null()) {
        None => {
            // mistral-common requires the list from v11 on.
            if !matches!(version, "v1" | "v2" | "v3" | "v7") {
                return Err(err(
                    "$",
                    format!("a version {version} file must list its special_tokens"),
                ));
            }
            for (slot, name) in names.iter_mut().zip(DEFAULT_SPECIALS) {
                *slot = Some((*name).to_owned());
            }
        }
        Some(list) => {
            let list = list
                .as_array()
                .ok_or_else(|| err("$.special_tokens", "expected a list".into()))?;
            for (i, s) in list.iter().enumerate() {
                let at = format!("$.special_tokens[{i}]");
                let rank = s
                    .get("rank")
                    .and_then(Value::as_u64)
                    .filter(|&r| r < num_special)
                    .ok_or_else(|| {
                        err(&at, format!("rank must be an integer below {num_special}"))
                    })?;
                let name = s
                    .get("token_str")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err(&at, "missing string field `token_str`".into()))?;
                if names[rank as usize].replace(name.to_owned()).is_some() {
                    return Err(err(&at, format!("a second special token at rank {rank}")));
                }
            }
        }
    }
    let specials = names
        .into_iter()
        .enumerate()
        .map(|(id, n)| (n.unwrap_or_else(|| format!("<SPECIAL_{id}>")), id as u32))
        .collect();
    Ok(TekkenFile {
        ranks,
        pattern: pattern.to_owned(),
        specials,
        version: version.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny tekken document: the 256 bytes, then `ab`, then an unused entry.
    fn doc(extra: &str) -> Value {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut vocab: Vec<Value> = (0..=255u8)
            .map(|b| serde_json::json!({"rank": b, "token_bytes": b64.encode([b]), "token_str": null}))
            .collect();
        vocab.push(
            serde_json::json!({"rank": 256, "token_bytes": b64.encode(b"ab"), "token_str": "ab"}),
        );
        vocab.push(
            serde_json::json!({"rank": 257, "token_bytes": b64.encode(b"abc"), "token_str": "abc"}),
        );
        let mut v = serde_json::json!({
            "config": {"pattern": r"\S+|\s+", "num_vocab_tokens": 258, "default_vocab_size": 267,
                       "default_num_special_tokens": 10, "version": "v3"},
            "vocab": vocab,
        });
        if !extra.is_empty() {
            let e: Value = serde_json::from_str(extra).unwrap();
            for (k, x) in e.as_object().unwrap() {
                v[k] = x.clone();
            }
        }
        v
    }

    #[test]
    fn ids_are_ranks_plus_specials_and_only_the_used_part_loads() {
        let root = doc("");
        assert!(looks_like(&root));
        let f = parse(&root, "t.json").unwrap();
        assert_eq!(f.ranks.len(), 257);
        assert_eq!(f.ranks[256], (b"ab".to_vec(), 266));
        assert_eq!(f.specials[1], ("<s>".to_owned(), 1));
        assert_eq!(f.specials[9], ("[TOOL_CALLS]".to_owned(), 9));
        let t = crate::Tokenizer::from_tokenizer_json(
            serde_json::to_vec(&root).unwrap().as_slice(),
            "t",
            "t.json",
        )
        .unwrap();
        // "abc" is not loaded (beyond default_vocab_size), so it is "ab" + "c".
        assert_eq!(t.encode("abc").unwrap(), vec![266, 10 + 99]);
        assert_eq!(t.n_vocab(), 267);
        assert_eq!(t.format(), crate::Format::Tekken);
    }

    #[test]
    fn listed_specials_fill_the_rest_and_bad_files_are_named() {
        let root = doc(
            r#"{"special_tokens": [{"rank": 0, "token_str": "<unk>", "is_control": true},
                                             {"rank": 2, "token_str": "</s>", "is_control": true}],
                          "config": {"pattern": "\\S+|\\s+", "default_vocab_size": 267,
                                     "default_num_special_tokens": 10, "version": "v13"}}"#,
        );
        let f = parse(&root, "t.json").unwrap();
        assert_eq!(f.specials[1].0, "<SPECIAL_1>");
        assert_eq!(f.specials[2].0, "</s>");
        let bad = doc(r#"{"config": {"pattern": "x", "default_vocab_size": 267,
                                     "default_num_special_tokens": 10, "version": "v99"}}"#);
        let e = parse(&bad, "t.json").unwrap_err();
        assert!(
            e.to_string().contains("unsupported tekken version `v99`"),
            "{e}"
        );
        let bad = doc(r#"{"config": {"pattern": "x", "default_vocab_size": 267,
                                     "default_num_special_tokens": 10, "version": "v13"}}"#);
        let e = parse(&bad, "t.json").unwrap_err();
        assert!(
            e.to_string().contains("must list its special_tokens"),
            "{e}"
        );
        let mut bad = doc("");
        bad["vocab"][3]["rank"] = 4.into();
        let e = parse(&bad, "t.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: $.vocab[3]: rank must be 3 (entry i has rank i)"
        );
        let mut bad = doc("");
        bad["config"]["default_vocab_size"] = 9000.into();
        assert!(parse(&bad, "t.json").is_err());
    }
}
