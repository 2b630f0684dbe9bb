//! Writers for byte-level BPE vocabularies: `.tiktoken` rank files with a JSON sidecar, and
//! Hugging Face `tokenizer.json`. Every file is written atomically: to a temporary file in the
//! same directory, then renamed over the target, so a failed write never leaves a partial file.
//!
//! # The two formats say the same thing
//!
//! * `.tiktoken`: one line per ordinary token, `base64(bytes) rank`, the rank being the id.
//!   tiktoken needs the pattern and the special tokens beside it: the sidecar `FILE.json` holds
//!   exactly the keyword arguments of `tiktoken.Encoding` (`name`, `pat_str`, `special_tokens`,
//!   `explicit_n_vocab`), so Python loads it with
//!   `tiktoken.Encoding(mergeable_ranks=load_tiktoken_bpe(FILE), **json.load(open(FILE + ".json")))`,
//!   and [`crate::Tokenizer::load`] reads the sidecar when no `--pattern` is given.
//! * `tokenizer.json`: a BPE model with the same ids, the merges in training order and
//!   `ignore_merges: true` (a piece that is a token is that token, as in tiktoken); the
//!   pre-tokenizer is the pattern as a `Split` (behaviour `Isolated`) followed by `ByteLevel`
//!   without its own regex, and the decoder is `ByteLevel`. The pattern is translated from
//!   tiktoken's regex dialect to Oniguruma's by [`oniguruma_pattern`].
//!
//! # Every id in a `tokenizer.json` is the vocabulary's id
//!
//! Hugging Face tokenizers takes an added token's id from the model's `vocab` when the token's
//! text is there, and otherwise numbers it after the vocabulary's *length*, whatever id the
//! file gives it; transformers' `len(tokenizer)` and `vocab_size` count the entries. So
//! [`tokenizer_json`] writes, as Hugging Face's own GPT-2 and Llama 3 files do:
//!
//! * every special token in `added_tokens` **and** in the model's `vocab`, under its own id;
//! * every id below the end (one past the largest ordinary or special id) in the `vocab`: an id
//!   that is neither ordinary nor special (a hole, such as o200k_base's 199998 and
//!   200000-200017) gets an [`unused_id_placeholder`], a string with a space that no text
//!   encodes to (byte-level strings have no space). Hugging Face's and transformers' sizes are
//!   then tiktoken's `n_vocab` (200,019 for o200k_base), and a placeholder decodes to its text.
//!
//! Hugging Face tokenizers, transformers and fairtok's own loader ([`crate::Tokenizer::load`])
//! then give every ordinary and special token the id it has here and in the `.tiktoken` file.
//! A special token whose text is also an ordinary token's vocabulary string, or the byte-level
//! form of a piece the pattern can make (such as `###`), cannot keep its id apart from that
//! token or piece in a `tokenizer.json`: it is refused with [`Error::SpecialToken`] (the
//! `.tiktoken` format holds it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::error::{Error, Result};
use crate::pattern::Regex;

/// A byte-level BPE vocabulary to write.
#[derive(Debug, Clone, Copy)]
pub struct Vocab<'a> {
    /// The encoding's name (tiktoken's `name`).
    pub name: &'a str,
    /// Bytes of every ordinary token, by id (rank). Ids 0-255 need not be the single bytes, but
    /// every single byte must be a token. An empty entry is an id with no ordinary token (a hole,
    /// such as the ids of special tokens inside the range): the writers skip it.
    pub tokens: &'a [Vec<u8>],
    /// The merges in training order: `(left id, right id)`, each making the token whose bytes
    /// are the concatenation. Only the `tokenizer.json` writer uses them.
    pub merges: &'a [(u32, u32)],
    /// Special tokens and their ids: above the ordinary tokens or in holes among them (each id
    /// neither an ordinary token's nor another special token's).
    pub specials: &'a [(String, u32)],
    /// The pre-tokenizer pattern, in tiktoken's dialect (`fancy-regex`).
    pub pattern: &'a str,
}

pub use crate::output::write_atomic;

/// The text of a `.tiktoken` rank file: `base64(bytes) rank` per line, by rank (empty
/// entries, holes, are skipped).
pub fn tiktoken_ranks(tokens: &[Vec<u8>]) -> String {
    let mut out = String::with_capacity(tokens.len() * 16);
    let b64 = base64::engine::general_purpose::STANDARD;
    for (rank, t) in tokens.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
        out.push_str(&b64.encode(t));
        let _ = writeln!(out, " {rank}");
    }
    out
}

/// The sidecar JSON of a `.tiktoken` file: `tiktoken.Encoding`'s keyword arguments.
pub fn tiktoken_sidecar(v: &Vocab) -> String {
    let specials: serde_json::Map<String, serde_json::Value> = v
        .specials
        .iter()
        .map(|(s, id)| (s.clone(), (*id).into()))
        .collect();
    let n_vocab = v
        .specials
        .iter()
        .map(|s| s.1 as usize + 1)
        .chain([v.tokens.len()])
        .max()
        .unwrap_or(0);
    // tiktoken checks `explicit_n_vocab` against the number of tokens, so a vocabulary with
    // holes (ids that are neither ordinary nor special) must leave it out.
    let used = v.tokens.iter().filter(|t| !t.is_empty()).count() + v.specials.len();
    let n_vocab = if used == n_vocab {
        serde_json::Value::from(n_vocab)
    } else {
        serde_json::Value::Null
    };
    let doc = serde_json::json!({
        "name": v.name,
        "pat_str": v.pattern,
        "special_tokens": specials,
        "explicit_n_vocab": n_vocab,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    s.push('\n');
    s
}

/// The path of the sidecar of a `.tiktoken` file: the same path with `.json` appended.
pub fn sidecar_path(tiktoken: &Path) -> PathBuf {
    let mut p = tiktoken.as_os_str().to_owned();
    p.push(".json");
    PathBuf::from(p)
}

/// What a sidecar says (the keywords of `tiktoken.Encoding` that matter to encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    /// `pat_str`: the pre-tokenizer pattern.
    pub pattern: String,
    /// `special_tokens`, by id.
    pub specials: Vec<(String, u32)>,
    /// `explicit_n_vocab`, when given: the number of ranks plus special tokens, which tiktoken
    /// checks (and so does [`Sidecar::check_n_vocab`]).
    pub explicit_n_vocab: Option<u64>,
}

impl Sidecar {
    /// tiktoken's check of `explicit_n_vocab` against the ranks: `ranks + specials` tokens
    /// and the largest id `explicit_n_vocab - 1`. A sidecar that fails it belongs to another
    /// rank file (say, one half of a pair two writers replaced at once).
    pub fn check_n_vocab(&self, path: &Path, ranks: usize, max_rank: Option<u32>) -> Result<()> {
        let Some(n) = self.explicit_n_vocab else {
            return Ok(());
        };
        let max_id = self
            .specials
            .iter()
            .map(|s| s.1)
            .chain(max_rank)
            .max()
            .map_or(0, |m| u64::from(m) + 1);
        let count = (ranks + self.specials.len()) as u64;
        if count != n || max_id != n {
            return Err(Error::TokenizerJson {
                path: path.display().to_string(),
                reason: format!(
                    "$.explicit_n_vocab: {n}, but the rank file and the special tokens make {count} tokens with ids up to {} (is this the sidecar of another rank file?)",
                    max_id.saturating_sub(1)
                ),
            });
        }
        Ok(())
    }
}

/// Reads a sidecar written by [`tiktoken_sidecar`].
pub fn read_sidecar(path: &Path) -> Result<Sidecar> {
    let origin = path.display().to_string();
    let data = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let bad = |reason: String| Error::TokenizerJson {
        path: origin.clone(),
        reason,
    };
    let v: serde_json::Value =
        serde_json::from_slice(&data).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let pat = v
        .get("pat_str")
        .and_then(|p| p.as_str())
        .ok_or_else(|| bad("$: missing string field `pat_str`".into()))?
        .to_owned();
    let mut specials = vec![];
    if let Some(m) = v.get("special_tokens").filter(|m| !m.is_null()) {
        let m = m
            .as_object()
            .ok_or_else(|| bad("$.special_tokens: expected an object".into()))?;
        for (k, id) in m {
            let id = id
                .as_u64()
                .filter(|&i| i < u32::MAX as u64)
                .ok_or_else(|| bad(format!("$.special_tokens[{k:?}]: invalid id")))?;
            specials.push((k.clone(), id as u32));
        }
    }
    specials.sort_by_key(|s| s.1);
    let explicit_n_vocab = match v.get("explicit_n_vocab") {
        None | Some(serde_json::Value::Null) => None,
        Some(n) => Some(
            n.as_u64()
                .ok_or_else(|| bad("$.explicit_n_vocab: expected a count or null".into()))?,
        ),
    };
    Ok(Sidecar {
        pattern: pat,
        specials,
        explicit_n_vocab,
    })
}

/// GPT-2's byte-to-character map used by Hugging Face's `ByteLevel`: printable Latin-1 bytes
/// map to themselves, the others to U+0100 and up, in byte order.
pub fn byte_level_chars() -> [char; 256] {
    let mut map = ['\0'; 256];
    let mut n = 0u32;
    for b in 0..=255u32 {
        let printable = (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || b >= 0xae;
        map[b as usize] = if printable {
            char::from_u32(b).expect("Latin-1 is valid")
        } else {
            n += 1;
            char::from_u32(255 + n).expect("below U+0200")
        };
    }
    map
}

/// Translates a pattern from tiktoken's dialect (`fancy-regex`) to Hugging Face's (Oniguruma,
/// Ruby syntax), so that both split every text into the same pieces:
///
/// * `$` outside a character class means end of text in `fancy-regex` but end of line in Ruby
///   syntax: it becomes `\z`;
/// * a possessive counted repetition `{n,m}+` is possessive in `fancy-regex` but a repetition of
///   a repetition in Ruby syntax: it becomes plain `{n,m}`, which matches the same when it ends
///   its alternative (followed by `|`, `)` or the end), and is refused otherwise.
///
/// `++`, `*+`, `?+`, `(?i:...)`, `\p{..}` and lookahead mean the same in both.
pub fn oniguruma_pattern(pattern: &str) -> Result<String> {
    let refuse = |why: &str| Error::Pattern {
        pattern: pattern.to_owned(),
        reason: format!("cannot be written for Hugging Face's Oniguruma: {why}"),
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                out.push(c);
                if let Some(&n) = chars.get(i + 1) {
                    out.push(n);
                    i += 1;
                    // `\p{..}`, `\P{..}`, `\x{..}`: the braces belong to the escape.
                    if matches!(n, 'p' | 'P' | 'x') && chars.get(i + 1) == Some(&'{') {
                        while i + 1 < chars.len() {
                            i += 1;
                            out.push(chars[i]);
                            if chars[i] == '}' {
                                break;
                            }
                        }
                    }
                }
            }
            '[' => {
                in_class += 1;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push(']');
                    i += 1;
                }
            }
            ']' if in_class > 0 => {
                in_class -= 1;
                out.push(c);
            }
            '$' if in_class == 0 => out.push_str(r"\z"),
            '}' if in_class == 0 && chars.get(i + 1) == Some(&'+') => {
                out.push('}');
                match chars.get(i + 2) {
                    None | Some('|') | Some(')') => i += 1,
                    Some(_) => {
                        return Err(refuse(
                            "a possessive `{n,m}+` not at the end of its alternative",
                        ))
                    }
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    Regex::oniguruma(&out)?;
    Ok(out)
}

/// The text of the placeholder that fills the unused id `id` in a `tokenizer.json` vocabulary.
/// It has a space, which no byte-level string has (`ByteLevel` writes a space as `Ġ`), so no
/// text ever encodes to it.
pub fn unused_id_placeholder(id: u32) -> String {
    format!("<|unused id {id}|>")
}

/// The bytes that the byte-level string `s` stands for, or `None` if one of its characters is
/// not in [`byte_level_chars`].
fn byte_level_bytes(s: &str) -> Option<Vec<u8>> {
    let map = byte_level_chars();
    let mut back = [None::<u8>; 0x144];
    for (b, c) in map.iter().enumerate() {
        back[*c as usize] = Some(b as u8);
    }
    s.chars()
        .map(|c| back.get(c as usize).copied().flatten())
        .collect()
}

/// The `tokenizer.json` document for `v`. See the module documentation for its invariant: every
/// special token is in `added_tokens` *and* in the model's `vocab` under its own id, and every
/// unused id below the end is an [`unused_id_placeholder`], so that Hugging Face tokenizers and
/// transformers give every token fairtok's id.
///
/// A special token that a `tokenizer.json` cannot hold under its id is an
/// [`Error::SpecialToken`]: its id is also an ordinary token's, its text is the byte-level form
/// of an ordinary token (the vocabulary maps each string to one id), or its text is the
/// byte-level form of a piece the pattern can make (Hugging Face would then encode that text
/// as the special token even where special tokens are not matched).
pub fn tokenizer_json(v: &Vocab) -> Result<String> {
    let map = byte_level_chars();
    let text = |bytes: &[u8]| -> String { bytes.iter().map(|&b| map[b as usize]).collect() };
    let pattern = oniguruma_pattern(v.pattern)?;
    let strs: Vec<String> = v.tokens.iter().map(|t| text(t)).collect();
    check_specials(v, &strs, &pattern)?;
    let n = v
        .specials
        .iter()
        .map(|s| s.1 as usize + 1)
        .chain([strs.len()])
        .max()
        .unwrap_or(0);
    let mut special_at: Vec<Option<&str>> = vec![None; n];
    for (s, id) in v.specials {
        special_at[*id as usize] = Some(s);
    }
    let mut out = String::with_capacity(v.tokens.len() * 40);
    let js = |s: &str| serde_json::to_string(s).expect("strings serialize");
    out.push_str("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n");
    out.push_str("  \"added_tokens\": [");
    for (i, (s, id)) in v.specials.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            out,
            "{sep}\n    {{\"id\": {id}, \"content\": {}, \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}}",
            js(s)
        );
    }
    out.push_str(if v.specials.is_empty() {
        "],\n"
    } else {
        "\n  ],\n"
    });
    out.push_str("  \"normalizer\": null,\n");
    let _ = writeln!(
        out,
        "  \"pre_tokenizer\": {{\"type\": \"Sequence\", \"pretokenizers\": [{{\"type\": \"Split\", \"pattern\": {{\"Regex\": {}}}, \"behavior\": \"Isolated\", \"invert\": false}}, {{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}}]}},",
        js(&pattern)
    );
    out.push_str("  \"post_processor\": null,\n");
    out.push_str("  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false},\n");
    out.push_str("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": true,\n    \"vocab\": {");
    // Every id from 0 to the last: the ordinary token, else the special token, else a
    // placeholder. (Hugging Face numbers an added token missing from the vocabulary after the
    // vocabulary's length, and counts the vocabulary's entries for `len(tokenizer)`.)
    let taken: std::collections::HashSet<&str> = v.specials.iter().map(|s| s.0.as_str()).collect();
    for (id, special) in special_at.iter().enumerate() {
        let sep = if id == 0 { "" } else { "," };
        let ordinary = strs.get(id).map(String::as_str).filter(|s| !s.is_empty());
        // `check_specials` made sure that no id is both.
        let key = match ordinary.or(*special) {
            Some(s) => js(s),
            None => {
                let mut p = unused_id_placeholder(id as u32);
                while taken.contains(p.as_str()) {
                    p.push(' ');
                }
                js(&p)
            }
        };
        let _ = write!(out, "{sep}\n      {key}: {id}");
    }
    out.push_str("\n    },\n    \"merges\": [");
    for (i, &(a, b)) in v.merges.iter().enumerate() {
        let (a, b) = (a as usize, b as usize);
        if a >= strs.len() || b >= strs.len() || strs[a].is_empty() || strs[b].is_empty() {
            return Err(Error::Usage(format!(
                "merge {i} refers to a token id beyond the vocabulary"
            )));
        }
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n      [{}, {}]", js(&strs[a]), js(&strs[b]));
    }
    out.push_str("\n    ]\n  }\n}\n");
    Ok(out)
}

/// Refuses the special tokens of `v` that a `tokenizer.json` cannot hold under their ids
/// (see [`tokenizer_json`]). `strs` are the byte-level strings of the ordinary tokens, by id;
/// `pattern` is the pre-tokenizer pattern in Oniguruma's dialect.
fn check_specials(v: &Vocab, strs: &[String], pattern: &str) -> Result<()> {
    let refuse = |(special, id): &(String, u32), reason: String| Error::SpecialToken {
        special: special.clone(),
        id: *id,
        reason,
    };
    let mut seen: std::collections::HashMap<&str, u32> = Default::default();
    let mut ids = std::collections::HashSet::new();
    for s in v.specials {
        if let Some(other) = seen.insert(&s.0, s.1) {
            return Err(refuse(s, format!("the same text has id {other} too")));
        }
        if !ids.insert(s.1) {
            return Err(refuse(s, "another special token has the same id".into()));
        }
        if strs.get(s.1 as usize).is_some_and(|t| !t.is_empty()) {
            return Err(refuse(
                s,
                format!("the id is also the ordinary token {:?}", strs[s.1 as usize]),
            ));
        }
    }
    let mut words = None;
    let mut keys: Option<std::collections::HashMap<&str, usize>> = None;
    for s in v.specials {
        // Only a string of byte-level characters can be a key the model reaches.
        let Some(bytes) = byte_level_bytes(&s.0) else {
            continue;
        };
        let keys = keys.get_or_insert_with(|| {
            let ordinary = strs.iter().enumerate().filter(|(_, t)| !t.is_empty());
            ordinary.map(|(j, t)| (t.as_str(), j)).collect()
        });
        if let Some(&j) = keys.get(s.0.as_str()) {
            return Err(refuse(
                s,
                format!(
                    "its text is also the vocabulary string of ordinary token {j} ({:?}), and a tokenizer.json vocabulary gives a string one id: Hugging Face would give the special token id {j}; choose another special token or write the .tiktoken format",
                    String::from_utf8_lossy(&v.tokens[j])
                ),
            ));
        }
        let Ok(word) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if words.is_none() {
            words = Some(Regex::oniguruma(pattern)?);
        }
        let mut pieces = vec![];
        words
            .as_ref()
            .expect("compiled above")
            .for_each_match(word, |a, b| pieces.push((a, b)))?;
        if pieces == [(0, word.len())] {
            let what = if word == s.0 {
                format!("the pre-tokenizer makes one piece of {word:?}, and Hugging Face would encode that piece as the special token (its vocabulary entry) where special tokens are not matched (split_special_tokens), while the tiktoken rule gives ordinary tokens")
            } else {
                format!("its text is the byte-level form of {word:?}, which the pre-tokenizer makes one piece of, and Hugging Face would encode the text {word:?} as the special token (its vocabulary entry)")
            };
            return Err(refuse(
                s,
                format!("{what}; choose a special token the pattern splits (such as <|name|>) or write the .tiktoken format"),
            ));
        }
    }
    Ok(())
}

/// Writes `OUT.tiktoken` and its sidecar `OUT.tiktoken.json`, atomically and as a pair
/// ([`crate::output::write_pair`]: a reader never sees one without the other).
pub fn write_tiktoken(path: &Path, v: &Vocab) -> Result<()> {
    crate::output::write_pair(
        (path, tiktoken_ranks(v.tokens).as_bytes()),
        (&sidecar_path(path), tiktoken_sidecar(v).as_bytes()),
    )
}

/// Writes a `tokenizer.json` (atomically).
pub fn write_tokenizer_json(path: &Path, v: &Vocab) -> Result<()> {
    let doc = tokenizer_json(v)?;
    write_atomic(path, doc.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{CL100K, O200K, R50K};

    fn pieces(re: &Regex, text: &str) -> Vec<String> {
        let mut v = vec![];
        re.for_each_match(text, |s, e| v.push(text[s..e].to_owned()))
            .unwrap();
        v
    }

    #[test]
    fn translated_patterns_split_alike() {
        let texts = [
            "Hello world  \n\n  x  ",
            "I'M here, don't 1234567 go!!\r\n\tend   ",
            "안녕하세요, 세계! 12,345원 ㅋㅋㅋ\n\n",
            "fn main() {\n    let x = 42;\n}\n",
            "trailing spaces   \nnext line\n   ",
            "ÀÉÎ ünïcödé\u{00a0}nbsp 日本語のテキスト",
        ];
        for p in [R50K, CL100K, O200K] {
            let fancy = Regex::tiktoken(p).unwrap();
            let onig = Regex::oniguruma(&oniguruma_pattern(p).unwrap()).unwrap();
            for t in texts {
                assert_eq!(pieces(&fancy, t), pieces(&onig, t), "{p}: {t:?}");
            }
        }
        assert!(oniguruma_pattern(r"\d{1,3}+x").is_err());
        assert_eq!(oniguruma_pattern(r"[$]$").unwrap(), r"[$]\z");
    }

    #[test]
    fn byte_level_map_is_gpt2s() {
        let m = byte_level_chars();
        assert_eq!(m[b' ' as usize], 'Ġ');
        assert_eq!(m[b'\n' as usize], 'Ċ');
        assert_eq!(m[b'a' as usize], 'a');
        let mut all: Vec<char> = m.to_vec();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 256);
    }

    /// The 256 single bytes, then `merges` (each a new token), then `holes` empty entries.
    fn small_vocab(merges: &[(&[u8], &[u8])], holes: usize) -> (Vec<Vec<u8>>, Vec<(u32, u32)>) {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let mut ids = vec![];
        for (a, b) in merges {
            let id = |t: &[u8]| tokens.iter().position(|x| x == t).unwrap() as u32;
            ids.push((id(a), id(b)));
            tokens.push([*a, *b].concat());
        }
        tokens.extend(std::iter::repeat_n(vec![], holes));
        (tokens, ids)
    }

    #[test]
    fn specials_are_in_the_vocab_under_their_ids() {
        use crate::{EncodeOptions, Specials, Tokenizer};
        // Ordinary ids 0-259, a hole at 260 (a special), 261 and 262 (unused), a special
        // at 263 and one above the range at 265 (264 unused).
        let (tokens, merges) = small_vocab(
            &[(b"a", b"b"), (b"ab", b"c"), (b" ", b"x"), (b"h", b"i")],
            3,
        );
        let specials = vec![
            ("<|endoftext|>".to_owned(), 260),
            ("<|fim|>".to_owned(), 263),
            ("<｜wide｜>".to_owned(), 265),
        ];
        let v = Vocab {
            name: "t",
            tokens: &tokens,
            merges: &merges,
            specials: &specials,
            pattern: O200K,
        };
        let doc = tokenizer_json(&v).unwrap();
        let json: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let vocab = json["model"]["vocab"].as_object().unwrap();
        for (s, id) in &specials {
            assert_eq!(vocab[s.as_str()], *id, "{s}");
        }
        let added: Vec<(String, u64)> = json["added_tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["content"].as_str().unwrap().to_owned(),
                    t["id"].as_u64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, u64)> = specials
            .iter()
            .map(|(s, i)| (s.clone(), *i as u64))
            .collect();
        assert_eq!(added, want);
        // Every id 0..266 once: Hugging Face's sizes are the id range.
        let mut ids: Vec<u64> = vocab.values().map(|v| v.as_u64().unwrap()).collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..266).collect::<Vec<u64>>());
        for hole in [261, 262, 264] {
            assert_eq!(vocab[&unused_id_placeholder(hole)], hole);
        }
        assert_eq!(vocab["abc"], 257);
        assert_eq!(vocab["Ġx"], 258);

        // fairtok's loader reads the same ids, and encodes as the rank table does.
        let hf = Tokenizer::from_tokenizer_json(doc.as_bytes(), "t", "t.json").unwrap();
        let ranks = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let tk = Tokenizer::from_ranks("t", "t", ranks, O200K, specials.clone()).unwrap();
        assert_eq!(hf.special_tokens(), specials);
        assert_eq!(hf.n_vocab(), tk.n_vocab());
        let all = EncodeOptions {
            specials: Specials::All,
            ..Default::default()
        };
        for (s, id) in &specials {
            assert_eq!(hf.encode_with(s, &all).unwrap(), [*id], "{s}");
            assert_eq!(tk.encode_with(s, &all).unwrap(), [*id], "{s}");
            assert_eq!(hf.decode_bytes(&[*id]).unwrap(), s.as_bytes());
        }
        let text = "abc hi x<|fim|>abcab<|endoftext|> hix";
        assert_eq!(
            hf.encode_with(text, &all).unwrap(),
            tk.encode_with(text, &all).unwrap()
        );
        let none = EncodeOptions {
            specials: Specials::None,
            ..Default::default()
        };
        assert_eq!(
            hf.encode_with(text, &none).unwrap(),
            tk.encode(text).unwrap()
        );
        assert_eq!(hf.encode("ab hi").unwrap(), [256, 32, 259]);
        // A placeholder is no text's token.
        let p = unused_id_placeholder(261);
        assert!(!hf.encode(&p).unwrap().contains(&261));
    }

    #[test]
    fn specials_a_tokenizer_json_cannot_hold_are_refused() {
        let (tokens, merges) = small_vocab(&[(b"#", b"#"), (b" ", b"h")], 0);
        let write = |specials: &[(String, u32)], pattern: &str| {
            tokenizer_json(&Vocab {
                name: "t",
                tokens: &tokens,
                merges: &merges,
                specials,
                pattern,
            })
        };
        let refused =
            |special: &str, pattern: &str| match write(&[(special.to_owned(), 258)], pattern)
                .unwrap_err()
            {
                Error::SpecialToken {
                    special: s,
                    id,
                    reason,
                } => {
                    assert_eq!((s.as_str(), id), (special, 258));
                    reason
                }
                e => panic!("{special:?}: {e}"),
            };
        // The text of an ordinary token: the vocabulary has one id for it.
        assert!(refused("##", O200K).contains("ordinary token 256"));
        assert!(refused("Ġh", O200K).contains("ordinary token 257"));
        // A piece the pattern makes: HF would read the piece as the special token.
        assert!(refused("###", O200K).contains("one piece"));
        assert!(refused("Ġhello", O200K).contains("\" hello\""));
        assert!(refused("<|endoftext|>", r"\S+").contains("one piece"));
        // The pattern splits these, or no text is their byte-level form.
        for ok in ["<|endoftext|>", "<s>", "[CLS]", "<｜wide｜>", "a b", "#Ġ#"] {
            write(&[(ok.to_owned(), 258)], O200K).unwrap();
        }
        // Ids: an ordinary token's, or another special token's.
        let e = write(&[("<|a|>".to_owned(), 257)], O200K).unwrap_err();
        assert!(e.to_string().contains("also the ordinary token"), "{e}");
        let two = [("<|a|>".to_owned(), 258), ("<|b|>".to_owned(), 258)];
        assert!(matches!(
            write(&two, O200K),
            Err(Error::SpecialToken { .. })
        ));
        let two = [("<|a|>".to_owned(), 258), ("<|a|>".to_owned(), 259)];
        assert!(matches!(
            write(&two, O200K),
            Err(Error::SpecialToken { .. })
        ));
    }

    #[test]
    fn atomic_write_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let e = write_atomic(&dir.path().join("no/such/dir/x.txt"), b"x").unwrap_err();
        assert!(e.to_string().contains("no/such/dir/x.txt"), "{e}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
