//! The tokenizers bundled inside the binary, and tiktoken's model-name aliases.
//!
//! The rank files are OpenAI's, byte for byte (MIT, see `assets/LICENSE-tiktoken.txt`); the
//! patterns and special tokens are those of tiktoken's `openai_public.py`.
//!
//! `o200k_ko` is fairtok's own: `o200k_base` plus the Korean tokens of
//! `assets/o200k_ko.added.tiktoken` (ids from 200019 on), made by `recipes/o200k_ko/build.sh`
//! and described in `recipes/o200k_ko/README.md`. Every o200k_base id is unchanged, and text
//! without Hangul encodes exactly as under o200k_base.

use crate::pattern;

/// One built-in encoding.
#[derive(Debug)]
pub struct Builtin {
    /// Its name, as in tiktoken.
    pub name: &'static str,
    /// The pre-tokenizer pattern.
    pub pattern: &'static str,
    /// The special tokens beside the rank file.
    pub specials: &'static [(&'static str, u32)],
    /// Which rank file it uses.
    pub ranks_file: &'static str,
    /// The rank file, packed by `build.rs`.
    pub(crate) ranks: &'static [u8],
    /// Tokens added to the rank file (a vocabulary extension), as `.tiktoken` lines; empty for
    /// OpenAI's encodings.
    pub(crate) added: &'static [u8],
    /// The same, packed by `build.rs` (empty: none).
    pub(crate) added_packed: &'static [u8],
    /// For an extension: the built-in it extends.
    pub extends: Option<&'static str>,
}

impl Builtin {
    /// The `.tiktoken` lines of the tokens an extension adds to [`Builtin::extends`] (empty
    /// for OpenAI's encodings).
    pub fn added_ranks(&self) -> &'static [u8] {
        self.added
    }
}

/// The rank files as `build.rs` packs them: no base64 to decode when a built-in loads.
macro_rules! packed {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".packed"))
    };
}

const CL100K_RANKS: &[u8] = packed!("cl100k_base");
const O200K_RANKS: &[u8] = packed!("o200k_base");
const R50K_RANKS: &[u8] = packed!("r50k_base");
const P50K_RANKS: &[u8] = packed!("p50k_base");
const O200K_KO_ADDED: &[u8] = include_bytes!("../assets/o200k_ko.added.tiktoken");
const O200K_KO_ADDED_PACKED: &[u8] = packed!("o200k_ko.added");

const EOT: &str = "<|endoftext|>";

/// The built-in encodings. The first four are the ones fairtok reports by default.
pub static BUILTINS: &[Builtin] = &[
    Builtin {
        name: "cl100k_base",
        pattern: pattern::CL100K,
        specials: &[
            (EOT, 100257),
            ("<|fim_prefix|>", 100258),
            ("<|fim_middle|>", 100259),
            ("<|fim_suffix|>", 100260),
            ("<|endofprompt|>", 100276),
        ],
        ranks_file: "cl100k_base.tiktoken",
        ranks: CL100K_RANKS,
        added: &[],
        added_packed: &[],
        extends: None,
    },
    Builtin {
        name: "o200k_base",
        pattern: pattern::O200K,
        specials: &[(EOT, 199999), ("<|endofprompt|>", 200018)],
        ranks_file: "o200k_base.tiktoken",
        ranks: O200K_RANKS,
        added: &[],
        added_packed: &[],
        extends: None,
    },
    Builtin {
        name: "o200k_ko",
        pattern: pattern::O200K,
        specials: &[(EOT, 199999), ("<|endofprompt|>", 200018)],
        ranks_file: "o200k_base.tiktoken + o200k_ko.added.tiktoken",
        ranks: O200K_RANKS,
        added: O200K_KO_ADDED,
        added_packed: O200K_KO_ADDED_PACKED,
        extends: Some("o200k_base"),
    },
    Builtin {
        name: "r50k_base",
        pattern: pattern::R50K,
        specials: &[(EOT, 50256)],
        ranks_file: "r50k_base.tiktoken",
        ranks: R50K_RANKS,
        added: &[],
        added_packed: &[],
        extends: None,
    },
    Builtin {
        name: "p50k_base",
        pattern: pattern::R50K,
        specials: &[(EOT, 50256)],
        ranks_file: "p50k_base.tiktoken",
        ranks: P50K_RANKS,
        added: &[],
        added_packed: &[],
        extends: None,
    },
    Builtin {
        name: "p50k_edit",
        pattern: pattern::R50K,
        specials: &[
            (EOT, 50256),
            ("<|fim_prefix|>", 50281),
            ("<|fim_middle|>", 50282),
            ("<|fim_suffix|>", 50283),
        ],
        ranks_file: "p50k_base.tiktoken",
        ranks: P50K_RANKS,
        added: &[],
        added_packed: &[],
        extends: None,
    },
    Builtin {
        name: "gpt2",
        pattern: pattern::R50K,
        specials: &[(EOT, 50256)],
        ranks_file: "r50k_base.tiktoken",
        ranks: R50K_RANKS,
        added: &[],
        added_packed: &[],
        extends: None,
    },
];

/// The names of the default built-ins, in report order.
pub const NAMES: &[&str] = &[
    "cl100k_base",
    "o200k_base",
    "o200k_ko",
    "r50k_base",
    "p50k_base",
];

/// Finds a built-in by name.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// tiktoken's exact model names (`MODEL_TO_ENCODING`, tiktoken 0.14).
const MODEL_TO_ENCODING: &[(&str, &str)] = &[
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4-mini", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4o", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-3.5-turbo", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("gpt-35-turbo", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
    ("text-embedding-ada-002", "cl100k_base"),
    ("text-embedding-3-small", "cl100k_base"),
    ("text-embedding-3-large", "cl100k_base"),
    ("text-davinci-003", "p50k_base"),
    ("text-davinci-002", "p50k_base"),
    ("text-davinci-001", "r50k_base"),
    ("text-curie-001", "r50k_base"),
    ("text-babbage-001", "r50k_base"),
    ("text-ada-001", "r50k_base"),
    ("davinci", "r50k_base"),
    ("curie", "r50k_base"),
    ("babbage", "r50k_base"),
    ("ada", "r50k_base"),
    ("code-davinci-002", "p50k_base"),
    ("code-davinci-001", "p50k_base"),
    ("code-cushman-002", "p50k_base"),
    ("code-cushman-001", "p50k_base"),
    ("davinci-codex", "p50k_base"),
    ("cushman-codex", "p50k_base"),
    ("text-davinci-edit-001", "p50k_edit"),
    ("code-davinci-edit-001", "p50k_edit"),
    ("text-similarity-davinci-001", "r50k_base"),
    ("text-similarity-curie-001", "r50k_base"),
    ("text-similarity-babbage-001", "r50k_base"),
    ("text-similarity-ada-001", "r50k_base"),
    ("text-search-davinci-doc-001", "r50k_base"),
    ("text-search-curie-doc-001", "r50k_base"),
    ("text-search-babbage-doc-001", "r50k_base"),
    ("text-search-ada-doc-001", "r50k_base"),
    ("code-search-babbage-code-001", "r50k_base"),
    ("code-search-ada-code-001", "r50k_base"),
    ("gpt2", "gpt2"),
    ("gpt-2", "gpt2"),
];

/// tiktoken's model-name prefixes (`MODEL_PREFIX_TO_ENCODING`, tiktoken 0.14), in its order.
/// (`gpt-oss-` maps to o200k_harmony, which fairtok does not bundle.)
const MODEL_PREFIX_TO_ENCODING: &[(&str, &str)] = &[
    ("o1-", "o200k_base"),
    ("o3-", "o200k_base"),
    ("o4-mini-", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("gpt-4.5-", "o200k_base"),
    ("gpt-4.1-", "o200k_base"),
    ("chatgpt-4o-", "o200k_base"),
    ("gpt-4o-", "o200k_base"),
    ("gpt-4-", "cl100k_base"),
    ("gpt-3.5-turbo-", "cl100k_base"),
    ("gpt-35-turbo-", "cl100k_base"),
    ("ft:gpt-4o", "o200k_base"),
    ("ft:gpt-4", "cl100k_base"),
    ("ft:gpt-3.5-turbo", "cl100k_base"),
    ("ft:davinci-002", "cl100k_base"),
    ("ft:babbage-002", "cl100k_base"),
];

/// The encoding name of a model, as tiktoken's `encoding_name_for_model`: exact names first,
/// then prefixes.
pub fn encoding_name_for_model(model: &str) -> Option<&'static str> {
    MODEL_TO_ENCODING
        .iter()
        .find(|(m, _)| *m == model)
        .or_else(|| {
            MODEL_PREFIX_TO_ENCODING
                .iter()
                .find(|(p, _)| model.starts_with(p))
        })
        .map(|(_, e)| *e)
}

/// Llama 3's 256 special tokens (ids 128000-128255), named as in llama_models 0.3.0 (Llama 3.1+),
/// for `llama3.tiktoken` files.
pub fn llama3_specials() -> Vec<(String, u32)> {
    let named = [
        "<|begin_of_text|>",
        "<|end_of_text|>",
        "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>",
        "<|finetune_right_pad_id|>",
        "<|step_id|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|eom_id|>",
        "<|eot_id|>",
        "<|python_tag|>",
        "<|image|>",
    ];
    let mut out: Vec<(String, u32)> = named
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), 128000 + i as u32))
        .collect();
    out.extend((12..256).map(|i| (format!("<|reserved_special_token_{}|>", i - 10), 128000 + i)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_aliases_follow_tiktoken() {
        assert_eq!(encoding_name_for_model("gpt-4"), Some("cl100k_base"));
        assert_eq!(
            encoding_name_for_model("gpt-3.5-turbo"),
            Some("cl100k_base")
        );
        assert_eq!(encoding_name_for_model("gpt-4o"), Some("o200k_base"));
        assert_eq!(
            encoding_name_for_model("gpt-4o-2024-05-13"),
            Some("o200k_base")
        );
        assert_eq!(encoding_name_for_model("gpt-4.1-mini"), Some("o200k_base"));
        assert_eq!(encoding_name_for_model("o3"), Some("o200k_base"));
        assert_eq!(encoding_name_for_model("gpt-4-32k"), Some("cl100k_base"));
        assert_eq!(
            encoding_name_for_model("text-davinci-003"),
            Some("p50k_base")
        );
        assert_eq!(encoding_name_for_model("llama"), None);
    }

    #[test]
    fn llama3_special_names() {
        let s = llama3_specials();
        assert_eq!(s.len(), 256);
        assert_eq!(s[9], ("<|eot_id|>".to_string(), 128009));
        assert_eq!(s[12], ("<|reserved_special_token_2|>".to_string(), 128012));
        assert_eq!(
            s[255],
            ("<|reserved_special_token_245|>".to_string(), 128255)
        );
    }
}
