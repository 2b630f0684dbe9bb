//! GGUF files (`shared/data/vocab/gguf/`, llama.cpp's vocab-only files):
//!
//! * the metadata reader against the `gguf` Python package's reading of all nine files
//!   (`tests/data/gguf-reference.json`, made by `tests/python/reference_gguf.py`);
//! * exactness of the tokenizers fairtok loads from them, encoded as llama.cpp does without BOS
//!   and with `parse_special = false`: `gpt-2` against tiktoken's `r50k_base` (the conformance
//!   ids of `shared/conformance/public.jsonl`; on FLORES-200 dev the reference token totals and
//!   the ids of the built-in `r50k_base`, itself checked against tiktoken by the conformance
//!   tests), `falcon` against Hugging Face tokenizers on Falcon's `tokenizer.json` (the
//!   reference columns of `more_kinds.rs`);
//! * `qwen2` against Hugging Face tokenizers on Qwen3's `tokenizer.json` (the same 151,643
//!   tokens and 151,387 merges): the `qwen3` conformance ids of `public.jsonl` and, on FLORES-200
//!   dev, the ids of fairtok's `qwen3.tokenizer.json` (itself checked by the conformance tests),
//!   on the texts that are NFC (Qwen's `tokenizer.json` normalizes to NFC, llama.cpp does not)
//!   and hold none of Qwen3's added tokens;
//! * `phi-3` (a `llama` vocabulary: SentencePiece-style, llama.cpp's rules) against Hugging
//!   Face tokenizers on Phi-3's `tokenizer.json` (the reference columns of `more_kinds.rs`);
//! * the other five files refused with their reason;
//! * malformed files (every truncation, huge lengths and counts, bad magic and version) are
//!   errors, never panics or huge allocations.
//!
//! Without the shared data folder, each test that needs it says so on one line and passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fairtok_core::gguf::{self, Value};
use fairtok_core::{Error, LoadOptions, Tokenizer};
use serde_json::Value as Json;

mod common;
use common::root;

/// The shared data folder, when it has what these tests read.
fn shared() -> Option<PathBuf> {
    common::shared_with("data/vocab/gguf")
}

fn crc(items: &[String]) -> String {
    format!("{:08x}", crc32fast::hash(items.join("\n").as_bytes()))
}

#[test]
fn metadata_matches_the_gguf_package() {
    let Some(shared) = shared() else { return };
    let reference: BTreeMap<String, Json> = serde_json::from_slice(
        &std::fs::read(root().join("tests/data/gguf-reference.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(reference.len(), 9);
    for (file, want) in &reference {
        let meta = gguf::read_file(&shared.join("data/vocab/gguf").join(file))
            .unwrap_or_else(|e| panic!("{e}"));
        let tok = meta.tokenizer().unwrap_or_else(|e| panic!("{e}"));
        let mut types = BTreeMap::new();
        for t in tok.token_type.iter().flatten() {
            *types.entry(t.to_string()).or_insert(0u64) += 1;
        }
        let got = serde_json::json!({
            "version": meta.version,
            "tensor_count": meta.tensor_count,
            "kv_count": meta.entries.len(),
            "model": tok.model,
            "pre": tok.pre,
            "tokens": tok.tokens.len(),
            "tokens_crc32": crc(&tok.tokens),
            "scores": tok.scores.as_ref().map_or(0, Vec::len),
            "token_type_counts": types,
            "merges": tok.merges.len(),
            "merges_crc32": crc(&tok.merges),
            "bos_token_id": tok.bos_id,
            "eos_token_id": tok.eos_id,
            "unknown_token_id": tok.unk_id,
            "padding_token_id": tok.pad_id,
            "add_bos_token": tok.add_bos_token,
        });
        for (k, v) in got.as_object().unwrap() {
            assert_eq!(&want[k], v, "{file}: {k}");
        }
    }
}

fn load(shared: &Path, name: &str) -> Result<Tokenizer, Error> {
    let path = shared.join(format!("data/vocab/gguf/ggml-vocab-{name}.gguf"));
    Tokenizer::load(path.to_str().unwrap(), &LoadOptions::default())
}

fn texts(shared: &Path) -> Vec<Json> {
    std::fs::read_to_string(shared.join("conformance/public.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every line of every FLORES-200 dev language, as `(language, lines)`.
fn flores(shared: &Path) -> Vec<(String, Vec<String>)> {
    let dir = shared.join("data/parallel/flores200-dev");
    let mut langs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dev"))
        .collect();
    langs.sort();
    assert_eq!(langs.len(), 204);
    langs
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let body = text.strip_suffix('\n').unwrap_or(&text).to_owned();
            let lines = body
                .split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
                .collect();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), lines)
        })
        .collect()
}

fn ids_bytes(ids: &[u32]) -> Vec<u8> {
    ids.iter().flat_map(|i| i.to_le_bytes()).collect()
}

#[test]
fn gpt2_is_r50k_base() {
    let Some(shared) = shared() else { return };
    let tok = load(&shared, "gpt-2").unwrap_or_else(|e| panic!("{e}"));
    let texts = texts(&shared);
    let mut bad = vec![];
    for (i, t) in texts.iter().enumerate() {
        let want: Vec<u32> = serde_json::from_value(t["ids"]["r50k_base"].clone()).unwrap();
        let text = t["text"].as_str().unwrap();
        let ids = tok.encode(text).unwrap();
        if ids != want || tok.decode_bytes(&ids).unwrap() != text.as_bytes() {
            bad.push(i);
        }
    }
    assert!(bad.is_empty(), "gpt-2: texts {bad:?} differ from r50k_base");
    // Control tokens written in the text are text (llama.cpp's parse_special = false).
    assert_ne!(tok.encode("<|endoftext|>").unwrap(), [50256]);

    let totals =
        std::fs::read_to_string(root().join("tests/data/flores200-dev-reference-totals.tsv"))
            .unwrap();
    let want: BTreeMap<&str, usize> = totals
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[1] == "r50k_base")
        .map(|f| (f[0], f[3].parse().unwrap()))
        .collect();
    let builtin = Tokenizer::builtin("r50k_base").unwrap();
    let mut bad = vec![];
    for (lang, lines) in flores(&shared) {
        let (mut n, mut same) = (0, true);
        for line in &lines {
            let ids = tok.encode(line).unwrap();
            n += ids.len();
            same &= ids == builtin.encode(line).unwrap();
        }
        if Some(&n) != want.get(lang.as_str()) || !same {
            bad.push(format!("{lang}: {n} tokens, same ids as r50k_base: {same}"));
        }
    }
    assert!(bad.is_empty(), "gpt-2 FLORES-200 dev:\n{}", bad.join("\n"));
    eprintln!(
        "gpt-2: {} conformance texts and 204 FLORES-200 dev languages agree",
        texts.len()
    );
}

/// The texts of a GGUF tokenizer's control tokens.
fn control_tokens(gt: &gguf::GgufTokenizer) -> Vec<&str> {
    gt.tokens
        .iter()
        .zip(gt.token_type.as_ref().unwrap())
        .filter(|(_, &t)| t == gguf::TOKEN_TYPE_CONTROL)
        .map(|(s, _)| s.as_str())
        .collect()
}

#[test]
fn falcon_is_hf_falcon() {
    let Some(shared) = shared() else { return };
    let tok = load(&shared, "falcon").unwrap_or_else(|e| panic!("{e}"));
    let meta = gguf::read_file(&shared.join("data/vocab/gguf/ggml-vocab-falcon.gguf")).unwrap();
    let gt = meta.tokenizer().unwrap();
    // Falcon's 12 control tokens (`>>TITLE<<`, `<|endoftext|>`, ...): Hugging Face matches them in
    // the text, llama.cpp without parse_special does not, so texts holding one are left out.
    let controls = control_tokens(&gt);
    assert_eq!(controls.len(), 12);
    assert_ne!(tok.encode(">>TITLE<<").unwrap(), [0]);

    let (n, skipped) = agrees_with(&shared, &tok, "falcon", &|t| {
        controls.iter().any(|c| t.contains(c))
    });
    assert_eq!(skipped, 1);
    eprintln!("falcon: {n} conformance texts ({skipped} with a control token left out) and 204 FLORES-200 dev languages agree");
}

/// Checks `tok` against the reference column `key` of `more_kinds.rs`'s tables: the ids and
/// decoding of every conformance text for which `skip` is false, and the ids of every
/// FLORES-200 dev line (none of which may be skipped). Gives (texts checked, texts skipped).
fn agrees_with(
    shared: &Path,
    tok: &Tokenizer,
    key: &str,
    skip: &dyn Fn(&str) -> bool,
) -> (usize, usize) {
    let table =
        std::fs::read_to_string(root().join("tests/data/more-kinds-conformance.tsv")).unwrap();
    let mut rows = table.lines();
    let col = rows
        .next()
        .unwrap()
        .split('\t')
        .position(|h| h == key)
        .unwrap();
    let texts = texts(shared);
    let (mut n, mut skipped, mut bad) = (0, 0, vec![]);
    for row in rows {
        let f: Vec<&str> = row.split('\t').collect();
        let i: usize = f[0].parse().unwrap();
        let text = texts[i]["text"].as_str().unwrap();
        if skip(text) {
            skipped += 1;
            continue;
        }
        let ids = tok.encode(text).unwrap();
        let mut h = crc32fast::Hasher::new();
        h.update(&ids_bytes(&ids));
        h.update(String::from_utf8_lossy(&tok.decode_bytes(&ids).unwrap()).as_bytes());
        if format!("{:08x}", h.finalize()) != f[col] {
            bad.push(i);
        }
        n += 1;
    }
    assert_eq!(n + skipped, texts.len());
    assert!(
        bad.is_empty(),
        "{key}: texts {bad:?} differ from the reference"
    );

    let table =
        std::fs::read_to_string(root().join("tests/data/more-kinds-flores200-dev.tsv")).unwrap();
    let want: BTreeMap<&str, (usize, &str)> = table
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[1] == key)
        .map(|f| (f[0], (f[3].parse().unwrap(), f[4])))
        .collect();
    let mut bad = vec![];
    for (lang, lines) in flores(shared) {
        assert!(!lines.iter().any(|l| skip(l)));
        let (mut n, mut h) = (0, crc32fast::Hasher::new());
        for line in &lines {
            let ids = tok.encode(line).unwrap();
            n += ids.len();
            h.update(&ids_bytes(&ids));
        }
        let got = format!("{:08x}", h.finalize());
        if Some(&(n, got.as_str())) != want.get(lang.as_str()) {
            bad.push(format!("{lang}: {n} tokens, ids {got}"));
        }
    }
    assert!(bad.is_empty(), "{key} FLORES-200 dev:\n{}", bad.join("\n"));
    (n, skipped)
}

/// Phi-3's `llama` vocabulary, encoded as llama.cpp does, against Hugging Face tokenizers on
/// Phi-3's `tokenizer.json`. Its user-defined `</s>` (with `rstrip`, by llama.cpp's rule for
/// Phi-3) splits the text in both; its control tokens (`<|endoftext|>`, `<|user|>`, ...),
/// which Hugging Face matches in the text and llama.cpp without `parse_special` does not, are
/// left out.
#[test]
fn phi3_is_hf_phi3() {
    let Some(shared) = shared() else { return };
    let tok = load(&shared, "phi-3").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tok.format(), fairtok_core::Format::SentencePiece);
    let meta = gguf::read_file(&shared.join("data/vocab/gguf/ggml-vocab-phi-3.gguf")).unwrap();
    let gt = meta.tokenizer().unwrap();
    let controls = control_tokens(&gt);
    assert_eq!(controls.len(), 13);
    assert_eq!(
        tok.encode("a</s>  b").unwrap(),
        tok.encode("a</s>b").unwrap()
    );
    let (n, skipped) = agrees_with(&shared, &tok, "phi3", &|t| {
        controls.iter().any(|c| t.contains(c))
    });
    eprintln!("phi-3: {n} conformance texts ({skipped} with a control token left out) and 204 FLORES-200 dev languages agree");
}

#[test]
fn other_models_and_pre_tokenizers_are_refused() {
    let Some(shared) = shared() else { return };
    for (name, reason) in [
        ("bert-bge", "unsupported GGUF tokenizer model `bert`"),
        ("nomic-bert-moe", "unsupported GGUF tokenizer model `t5`"),
        ("deepseek-llm", "pre-tokenizer `deepseek-llm`: not verified"),
        ("mpt", "pre-tokenizer `mpt`: not verified"),
        (
            "gpt-neox",
            "pre-tokenizer (no key: llama.cpp's default): not verified",
        ),
    ] {
        match load(&shared, name) {
            Err(e @ Error::Gguf { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(reason) && msg.contains(name), "{name}: {msg}");
            }
            Err(e) => panic!("{name}: wrong error {e:?}"),
            Ok(_) => panic!("{name}: loaded"),
        }
    }
}

/// A small GGUF file: a few keys of each kind, a tokenizer of four tokens.
fn small_file(version: u32) -> Vec<u8> {
    fn s(out: &mut Vec<u8>, text: &str) {
        out.extend((text.len() as u64).to_le_bytes());
        out.extend(text.as_bytes());
    }
    let mut out = b"GGUF".to_vec();
    out.extend(version.to_le_bytes());
    out.extend(0u64.to_le_bytes());
    out.extend(6u64.to_le_bytes());
    s(&mut out, "tokenizer.ggml.model");
    out.extend(8u32.to_le_bytes());
    s(&mut out, "gpt2");
    s(&mut out, "tokenizer.ggml.pre");
    out.extend(8u32.to_le_bytes());
    s(&mut out, "gpt-2");
    s(&mut out, "tokenizer.ggml.tokens");
    out.extend(9u32.to_le_bytes());
    out.extend(8u32.to_le_bytes());
    out.extend(4u64.to_le_bytes());
    for t in ["a", "b", "ab", "<|endoftext|>"] {
        s(&mut out, t);
    }
    s(&mut out, "tokenizer.ggml.token_type");
    out.extend(9u32.to_le_bytes());
    out.extend(5u32.to_le_bytes());
    out.extend(4u64.to_le_bytes());
    for t in [1i32, 1, 1, 3] {
        out.extend(t.to_le_bytes());
    }
    s(&mut out, "tokenizer.ggml.merges");
    out.extend(9u32.to_le_bytes());
    out.extend(8u32.to_le_bytes());
    out.extend(1u64.to_le_bytes());
    s(&mut out, "a b");
    s(&mut out, "tokenizer.ggml.add_bos_token");
    out.extend(7u32.to_le_bytes());
    out.push(0);
    out
}

#[test]
fn small_file_reads() {
    for version in [2, 3] {
        let meta = gguf::read_metadata(&small_file(version), "small.gguf").unwrap();
        assert_eq!(meta.version, version);
        let tok = meta.tokenizer().unwrap();
        assert_eq!(tok.tokens, ["a", "b", "ab", "<|endoftext|>"]);
        assert_eq!(tok.merges, ["a b"]);
        assert_eq!(tok.token_type, Some(vec![1, 1, 1, 3]));
        assert_eq!(tok.add_bos_token, Some(false));
        assert_eq!(
            meta.get("tokenizer.ggml.model").unwrap().value,
            Value::String("gpt2".into())
        );
    }
}

#[test]
fn every_truncation_is_an_error() {
    let data = small_file(3);
    for end in 0..data.len() {
        match gguf::read_metadata(&data[..end], "small.gguf") {
            Err(Error::Gguf { path, offset, .. }) => {
                assert_eq!(path, "small.gguf");
                assert!(offset <= end as u64, "cut at {end}: offset {offset}");
            }
            other => panic!("cut at {end}: {other:?}"),
        }
    }
}

/// The offset of the first byte of `needle` in `data`.
fn find(data: &[u8], needle: &[u8]) -> usize {
    data.windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn bad_headers_lengths_and_counts_are_errors() {
    let good = small_file(3);
    let err = |data: &[u8]| match gguf::read_metadata(data, "bad.gguf") {
        Err(e @ Error::Gguf { .. }) => e.to_string(),
        other => panic!("{other:?}"),
    };
    let mut d = good.clone();
    d[..4].copy_from_slice(b"GGUG");
    assert!(err(&d).contains("not a GGUF file"));
    for v in [0u32, 1, 4, u32::MAX] {
        let mut d = good.clone();
        d[4..8].copy_from_slice(&v.to_le_bytes());
        assert!(err(&d).contains(&format!("GGUF version {v} is not supported")));
    }
    // A huge key/value count.
    let mut d = good.clone();
    d[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(
        err(&d).contains("key/value pairs cannot fit"),
        "{}",
        err(&d)
    );
    // A huge string length (the first key's).
    let mut d = good.clone();
    d[24..32].copy_from_slice(&(u64::MAX - 3).to_le_bytes());
    let m = err(&d);
    assert!(m.contains("byte 24") && m.contains("only"), "{m}");
    // A huge array count, and one just too large for what is left.
    let at = find(&good, b"tokenizer.ggml.tokens") + 21 + 8;
    for count in [u64::MAX, 1 << 40, (good.len() - at) as u64] {
        let mut d = good.clone();
        d[at..at + 8].copy_from_slice(&count.to_le_bytes());
        let m = err(&d);
        assert!(
            m.contains("key `tokenizer.ggml.tokens`")
                && m.contains(&format!("array of {count} elements")),
            "{m}"
        );
    }
    // An unknown value type, an unknown element type, a bool that is not 0 or 1.
    let mut d = good.clone();
    let at = find(&good, b"tokenizer.ggml.model") + 20;
    d[at..at + 4].copy_from_slice(&13u32.to_le_bytes());
    assert!(err(&d).contains("unknown value type 13"));
    let mut d = good.clone();
    let at = find(&good, b"tokenizer.ggml.merges") + 21 + 4;
    d[at..at + 4].copy_from_slice(&99u32.to_le_bytes());
    assert!(err(&d).contains("unknown value type 99"));
    let mut d = good.clone();
    *d.last_mut().unwrap() = 2;
    assert!(err(&d).contains("bool value 2"));
    // Arrays nested past the limit.
    let mut d = b"GGUF".to_vec();
    d.extend(3u32.to_le_bytes());
    d.extend(0u64.to_le_bytes());
    d.extend(1u64.to_le_bytes());
    d.extend(1u64.to_le_bytes());
    d.push(b'k');
    d.extend(9u32.to_le_bytes());
    for _ in 0..1000 {
        d.extend(9u32.to_le_bytes());
        d.extend(1u64.to_le_bytes());
    }
    d.extend([0u8; 64]);
    assert!(err(&d).contains("nested deeper"));
    // Not UTF-8.
    let mut d = good.clone();
    let at = find(&good, b"gpt2");
    d[at] = 0xff;
    assert!(err(&d).contains("not UTF-8"));
}

#[test]
fn small_file_loads_and_control_tokens_are_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.gguf");
    std::fs::write(&path, small_file(3)).unwrap();
    let tok = Tokenizer::load(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    assert_eq!(tok.encode("abab").unwrap(), [2, 2]);
    assert_eq!(tok.encode("ba").unwrap(), [1, 0]);
    assert!(
        tok.origin().contains("GGUF gpt2, pre-tokenizer gpt-2"),
        "{}",
        tok.origin()
    );
    // A file with another model is refused, naming it.
    let data = small_file(3);
    let at = find(&data, b"gpt2");
    let mut d = data.clone();
    d[at..at + 4].copy_from_slice(b"gpt3");
    std::fs::write(&path, d).unwrap();
    let e = Tokenizer::load(path.to_str().unwrap(), &LoadOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("unsupported GGUF tokenizer model `gpt3`"),
        "{e}"
    );
}

#[test]
fn qwen2_is_hf_qwen3_on_nfc_text() {
    use unicode_normalization::UnicodeNormalization;
    let Some(shared) = shared() else { return };
    let tok = load(&shared, "qwen2").unwrap_or_else(|e| panic!("{e}"));
    let reference = shared.join("data/vocab/qwen3.tokenizer.json");
    let hf = Tokenizer::load(reference.to_str().unwrap(), &LoadOptions::default()).unwrap();
    let doc: Json = serde_json::from_slice(&std::fs::read(&reference).unwrap()).unwrap();
    let added: Vec<String> = doc["added_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["content"].as_str().unwrap().to_owned())
        .collect();
    let usable = |t: &str| t.nfc().eq(t.chars()) && !added.iter().any(|a| t.contains(a.as_str()));
    assert_ne!(tok.encode("<|endoftext|>").unwrap(), [151643]);
    let texts = texts(&shared);
    let (mut n, mut bad) = (0, vec![]);
    for (i, t) in texts.iter().enumerate() {
        let text = t["text"].as_str().unwrap();
        if !usable(text) {
            continue;
        }
        let want: Vec<u32> = serde_json::from_value(t["ids"]["qwen3"].clone()).unwrap();
        let ids = tok.encode(text).unwrap();
        if ids != want || tok.decode_bytes(&ids).unwrap() != text.as_bytes() {
            bad.push(i);
        }
        n += 1;
    }
    assert!(
        bad.is_empty(),
        "qwen2: texts {bad:?} differ from Qwen3's tokenizer.json"
    );
    let (mut lines_checked, mut left_out, mut bad) = (0, 0, vec![]);
    for (lang, lines) in flores(&shared) {
        let mut differ = 0;
        for line in &lines {
            if !usable(line) {
                left_out += 1;
                continue;
            }
            lines_checked += 1;
            differ += usize::from(tok.encode(line).unwrap() != hf.encode(line).unwrap());
        }
        if differ > 0 {
            bad.push(format!("{lang}: {differ} lines differ"));
        }
    }
    assert!(bad.is_empty(), "qwen2 FLORES-200 dev:\n{}", bad.join("\n"));
    eprintln!(
        "qwen2: {n} of {} conformance texts and {lines_checked} FLORES-200 dev lines ({left_out} not NFC left out) agree",
        texts.len()
    );
}
