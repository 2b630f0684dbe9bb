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

use std::fmt::Write as _;
use std::io::Write as _;
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
    /// Special tokens and their ids (above the ordinary tokens).
    pub specials: &'a [(String, u32)],
    /// The pre-tokenizer pattern, in tiktoken's dialect (`fancy-regex`).
    pub pattern: &'a str,
}

/// Writes `data` to `path` atomically: a temporary file in the same directory, flushed and
/// synced, then renamed over `path`. On any error the temporary file is removed and `path` is
/// left as it was.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let io_err = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| {
            io_err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a file path",
            ))
        })?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    Ok(())
}

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

/// Reads a sidecar written by [`tiktoken_sidecar`]: the pattern and the special tokens.
pub fn read_sidecar(path: &Path) -> Result<(String, Vec<(String, u32)>)> {
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
    Ok((pat, specials))
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

/// The `tokenizer.json` document for `v`.
pub fn tokenizer_json(v: &Vocab) -> Result<String> {
    let map = byte_level_chars();
    let text = |bytes: &[u8]| -> String { bytes.iter().map(|&b| map[b as usize]).collect() };
    let pattern = oniguruma_pattern(v.pattern)?;
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
    let strs: Vec<String> = v.tokens.iter().map(|t| text(t)).collect();
    let mut first = true;
    for (id, s) in strs.iter().enumerate().filter(|(_, s)| !s.is_empty()) {
        let sep = if first { "" } else { "," };
        first = false;
        let _ = write!(out, "{sep}\n      {}: {id}", js(s));
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

/// Writes `OUT.tiktoken` and its sidecar `OUT.tiktoken.json` (both atomically).
pub fn write_tiktoken(path: &Path, v: &Vocab) -> Result<()> {
    write_atomic(path, tiktoken_ranks(v.tokens).as_bytes())?;
    write_atomic(&sidecar_path(path), tiktoken_sidecar(v).as_bytes())
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
