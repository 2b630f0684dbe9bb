//! GGUF files (`shared/data/vocab/gguf/`, llama.cpp's vocab-only files):
//!
//! * the metadata reader against the `gguf` Python package's reading of all nine files
//!   (`tests/data/gguf-reference.json`, made by `tests/python/reference_gguf.py`);
//! * exactness of all nine tokenizers against **llama.cpp itself**
//!   (`llama_tokenize(add_special = false, parse_special = false)` through `llama-cpp-python`,
//!   `tests/data/gguf-llamacpp-*.tsv`, made by `scripts/reference-gguf-llamacpp.sh`): the ids of
//!   every conformance text of `shared/conformance/public.jsonl`, and the count and ids of every
//!   line of all 204 FLORES-200 dev languages; byte-level (`gpt2`) files also decode each
//!   conformance text back to itself;
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

/// The rows of a committed llama.cpp reference table, without its `# versions` line.
fn reference_rows(file: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(root().join("tests/data").join(file))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Checks the GGUF file `name` against llama.cpp's references: the ids of every conformance
/// text and the count and ids of every FLORES-200 dev line. Gives (texts, lines) compared.
fn agrees_with_llamacpp(name: &str) -> Option<(usize, usize)> {
    let shared = shared()?;
    let tok = load(&shared, name).unwrap_or_else(|e| panic!("{e}"));
    let rows = reference_rows("gguf-llamacpp-conformance.tsv");
    let col = rows[0].iter().position(|h| h == name).unwrap();
    let texts = texts(&shared);
    assert_eq!(rows.len() - 1, texts.len());
    let byte_level = tok.model_type() == "BPE";
    let mut bad = vec![];
    for row in &rows[1..] {
        let i: usize = row[0].parse().unwrap();
        let text = texts[i]["text"].as_str().unwrap();
        let ids = tok.encode(text).unwrap();
        let crc = format!("{:08x}", crc32fast::hash(&ids_bytes(&ids)));
        if crc != row[col] || (byte_level && tok.decode_bytes(&ids).unwrap() != text.as_bytes()) {
            bad.push(i);
        }
    }
    assert!(
        bad.is_empty(),
        "{name}: conformance texts {bad:?} differ from llama.cpp"
    );
    let want: BTreeMap<String, (usize, String)> = reference_rows("gguf-llamacpp-flores200-dev.tsv")
        .into_iter()
        .skip(1)
        .filter(|f| f[1] == name)
        .map(|f| (f[0].clone(), (f[3].parse().unwrap(), f[4].clone())))
        .collect();
    let (mut lines_checked, mut bad) = (0, vec![]);
    for (lang, lines) in flores(&shared) {
        let (mut n, mut h) = (0, crc32fast::Hasher::new());
        for line in &lines {
            let ids = tok.encode(line).unwrap();
            n += ids.len();
            h.update(&ids_bytes(&ids));
        }
        lines_checked += lines.len();
        let got = (n, format!("{:08x}", h.finalize()));
        if Some(&got) != want.get(&lang) {
            bad.push(format!("{lang}: {} tokens, ids {}", got.0, got.1));
        }
    }
    assert_eq!(want.len(), 204);
    assert!(bad.is_empty(), "{name} FLORES-200 dev:\n{}", bad.join("\n"));
    eprintln!(
        "{name}: {} conformance texts and {lines_checked} FLORES-200 dev lines (204 languages) agree with llama.cpp",
        texts.len()
    );
    Some((texts.len(), lines_checked))
}

/// One test per file, so that they run side by side.
macro_rules! llamacpp_tests {
    ($($test:ident: $name:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            agrees_with_llamacpp($name);
        }
    )*};
}

llamacpp_tests! {
    gpt_2_is_llamacpp: "gpt-2",
    falcon_is_llamacpp: "falcon",
    qwen2_is_llamacpp: "qwen2",
    phi_3_is_llamacpp: "phi-3",
    deepseek_llm_is_llamacpp: "deepseek-llm",
    mpt_is_llamacpp: "mpt",
    gpt_neox_is_llamacpp: "gpt-neox",
    bert_bge_is_llamacpp: "bert-bge",
    nomic_bert_moe_is_llamacpp: "nomic-bert-moe",
}

/// What kind each file loads as, and control tokens written in the text are text (llama.cpp's
/// `parse_special = false`).
#[test]
fn kinds_and_control_tokens() {
    let Some(shared) = shared() else { return };
    for (name, model, control) in [
        ("gpt-2", "BPE", "<|endoftext|>"),
        ("deepseek-llm", "BPE", "<｜end▁of▁sentence｜>"),
        ("bert-bge", "WordPiece", "[CLS]"),
        ("nomic-bert-moe", "Unigram", "</s>"),
        ("phi-3", "BPE", "<|endoftext|>"),
    ] {
        let tok = load(&shared, name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tok.model_type(), model, "{name}");
        let id = tok
            .special_tokens()
            .into_iter()
            .find(|t| t.0 == control)
            .unwrap_or_else(|| panic!("{name}: no control token {control}"))
            .1;
        assert_ne!(tok.encode(control).unwrap(), [id], "{name}");
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
