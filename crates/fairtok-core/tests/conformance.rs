//! Conformance with the reference libraries on `shared/conformance/public.jsonl`: every text,
//! all seven tokenizers, identical ids, and decoding gives the text back.

use std::path::PathBuf;

use fairtok_core::{LoadOptions, Tokenizer};
use serde_json::Value;

/// The shared data folder beside the checkout (override with `FAIRTOK_SHARED`).
fn shared() -> PathBuf {
    std::env::var_os("FAIRTOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn load(key: &str) -> Tokenizer {
    let vocab = shared().join("data/vocab");
    let spec = match key {
        "llama3" => vocab.join("llama3.tokenizer.json"),
        "qwen3" => vocab.join("qwen3.tokenizer.json"),
        "gemma3" => vocab.join("gemma3.tokenizer.json.gz"),
        builtin => return Tokenizer::builtin(builtin).unwrap(),
    };
    Tokenizer::load(spec.to_str().unwrap(), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn check(key: &str) {
    let tok = load(key);
    let data = std::fs::read_to_string(shared().join("conformance/public.jsonl")).unwrap();
    let (mut total, mut failures) = (0, vec![]);
    for (i, line) in data.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap();
        let want: Vec<u32> = v["ids"][key]
            .as_array()
            .unwrap_or_else(|| panic!("line {}: no ids for {key}", i + 1))
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        total += 1;
        let got = tok.encode(text).unwrap();
        if got != want {
            failures.push(format!(
                "line {}: {:?}\n  want {:?}\n  got  {:?}",
                i + 1,
                text.chars().take(80).collect::<String>(),
                &want[..want.len().min(40)],
                &got[..got.len().min(40)]
            ));
            continue;
        }
        let back = tok.decode_bytes(&got).unwrap();
        let expect = if key == "qwen3" {
            use unicode_normalization::UnicodeNormalization;
            text.nfc().collect::<String>()
        } else {
            text.to_owned()
        };
        if back != expect.as_bytes() {
            failures.push(format!(
                "line {}: decode differs: {:?}",
                i + 1,
                String::from_utf8_lossy(&back)
                    .chars()
                    .take(80)
                    .collect::<String>()
            ));
        }
    }
    assert!(total > 1000, "only {total} texts");
    assert!(
        failures.is_empty(),
        "{key}: {} of {total} texts differ:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}

#[test]
fn cl100k_base() {
    check("cl100k_base");
}
#[test]
fn o200k_base() {
    check("o200k_base");
}
#[test]
fn r50k_base() {
    check("r50k_base");
}
#[test]
fn p50k_base() {
    check("p50k_base");
}
#[test]
fn llama3() {
    check("llama3");
}
#[test]
fn qwen3() {
    check("qwen3");
}
#[test]
fn gemma3() {
    check("gemma3");
}
