//! Property tests (proptest): `decode(encode(x)) == x` for every loader — the built-in
//! encodings (packed rank tables), a `.tiktoken` file loaded from bytes, and a Hugging Face
//! `tokenizer.json` (Llama 3's, from the shared data; skipped with one line when it is absent).
//! Texts are arbitrary Unicode strings plus strings drawn from pieces that stress the
//! pre-tokenizers (contractions, runs of spaces and newlines, digits, marks, CJK, Hangul,
//! emoji, text that looks like special tokens).

use std::path::PathBuf;
use std::sync::OnceLock;

use fairtok_core::builtin::BUILTINS;
use fairtok_core::{LoadOptions, Tokenizer};
use proptest::prelude::*;

/// The shared data folder beside the checkout (override with `FAIRTOK_SHARED`).
fn shared() -> PathBuf {
    std::env::var_os("FAIRTOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// Texts: arbitrary strings, or concatenations of tricky pieces.
fn texts() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "'s",
        "'T",
        "'ll",
        " ",
        "  ",
        "\n",
        "\r\n",
        "\n\n ",
        "\t",
        "123",
        "4567",
        " 8",
        "the",
        " The",
        "café",
        "e\u{301}",
        "naïve",
        "안녕하세요",
        " 세계",
        "世界",
        "日本語",
        "😀",
        "👩\u{200d}💻",
        "<|endoftext|>",
        "<|begin_of_text|>",
        "<s>",
        "ﬁ",
        "ǅ",
        "Ⅻ",
        "\u{0}",
        "\u{ffff}",
        "!!",
        "...",
        "—",
        "a",
        "Z",
        "ß",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat()),
        "[a-z \\n]{0,64}",
    ]
}

fn builtins() -> &'static Vec<Tokenizer> {
    static B: OnceLock<Vec<Tokenizer>> = OnceLock::new();
    B.get_or_init(|| {
        BUILTINS
            .iter()
            .map(|b| Tokenizer::builtin(b.name).unwrap())
            .collect()
    })
}

/// r50k's ranks written as a `.tiktoken` document and loaded from its bytes.
fn tiktoken_from_bytes() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| {
        use base64::Engine as _;
        let r50k = Tokenizer::builtin("r50k_base").unwrap();
        let doc: String = (0..r50k.n_vocab() as u32)
            .filter_map(|id| {
                let b = r50k.token_bytes(id)?;
                // The special token is given beside the file, not in it.
                (b != b"<|endoftext|>").then(|| {
                    format!(
                        "{} {id}\n",
                        base64::engine::general_purpose::STANDARD.encode(b)
                    )
                })
            })
            .collect();
        Tokenizer::from_tiktoken(doc.as_bytes(), "r50k", "memory", "r50k", vec![]).unwrap()
    })
}

/// Llama 3's `tokenizer.json` from the shared data, or `None` (said once) when absent.
fn llama3_json() -> Option<&'static Tokenizer> {
    static T: OnceLock<Option<Tokenizer>> = OnceLock::new();
    T.get_or_init(|| {
        let path = shared().join("data/vocab/llama3.tokenizer.json");
        if !path.is_file() {
            eprintln!("skipped: {} is absent (set FAIRTOK_SHARED)", path.display());
            return None;
        }
        Some(Tokenizer::load(path.to_str().unwrap(), &LoadOptions::default()).unwrap())
    })
    .as_ref()
}

fn round_trip(t: &Tokenizer, text: &str) -> Result<(), TestCaseError> {
    let ids = t.encode(text).unwrap();
    let back = t.decode_bytes(&ids).unwrap();
    prop_assert_eq!(&back[..], text.as_bytes(), "{} ids {:?}", t.name(), ids);
    prop_assert_eq!(t.count(text).unwrap(), ids.len(), "{}: count", t.name());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn builtins_decode_what_they_encode(text in texts()) {
        for t in builtins() {
            round_trip(t, &text)?;
        }
    }

    #[test]
    fn tiktoken_bytes_decode_what_they_encode(text in texts()) {
        let t = tiktoken_from_bytes();
        round_trip(t, &text)?;
        // Loaded from bytes, it is the built-in it was written from.
        let r50k = &builtins()[BUILTINS.iter().position(|b| b.name == "r50k_base").unwrap()];
        prop_assert_eq!(t.encode(&text).unwrap(), r50k.encode(&text).unwrap());
    }

    #[test]
    fn tokenizer_json_decodes_what_it_encodes(text in texts()) {
        if let Some(t) = llama3_json() {
            round_trip(t, &text)?;
        }
    }
}
