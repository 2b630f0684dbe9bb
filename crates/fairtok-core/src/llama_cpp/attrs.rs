//! llama.cpp's token attributes and its partition of the text on special tokens
//! (`llama_vocab::impl::load`, `tokenizer_st_partition`).
//!
//! # Attributes
//!
//! A token starts with the attribute of its `token_type` (1 normal, 2 unknown, 3 control,
//! 4 user-defined, 5 unused, 6 byte; anything else, and every token of a file without types,
//! as llama.cpp maps it). Then llama.cpp corrects them by the tokens' **texts**, and so does
//! `attributes`, in llama.cpp's order:
//!
//! 1. the first end-of-turn (`<|eot_id|>`, `<|im_end|>`, ...), end-of-message and
//!    fill-in-the-middle tokens it looks for by text (each kind only when its
//!    `tokenizer.ggml.*_token_id` key is absent) become control tokens; where several texts of
//!    one fill-in-the-middle kind are present, which one llama.cpp takes depends on its hash
//!    map's order, and such a file is refused;
//! 2. control tokens whose text contains `unused` are also unused;
//! 3. every token whose text is one of its end-of-generation texts (`<|endoftext|>`, `</s>`,
//!    `<|im_end|>`, ...) becomes control, with the three exceptions llama.cpp makes
//!    (gpt-oss's `<|channel|>`..., `<|end|>` beside `<|return|>` and `<|call|>`, `</s>` beside
//!    `<|tool_response>` or `<|plamo:eos|>`);
//! 4. per model: `<mask>` strips whitespace on its left for the `nomic-bert-moe` and
//!    `jina-bert-v3` architectures and the `jina-v2-{de,es,code}` pre-tokenizers; every special
//!    token and `</s>` strip whitespace on their right, except `<unk>`, `<s>` and
//!    `<|endoftext|>`, for a model whose `general.name` holds `phi-3` or `phi3`; `[MASK]` strips
//!    on its left for `modern-bert`.
//!
//! # Partition
//!
//! With `parse_special = false`, the tokens that split the text are the user-defined ones
//! that are neither control nor unknown after the corrections, longest first. Each, in turn,
//! cuts every text fragment at its leftmost non-overlapping occurrences; `lstrip` drops the
//! ASCII whitespace (`isspace`) before an occurrence, `rstrip` the one after it. Tokens of the
//! same length keep id order here; llama.cpp's `std::sort` is not stable, which can only
//! matter where two such tokens overlap in a text.

use rustc_hash::FxHashMap;

/// `LLAMA_TOKEN_ATTR_UNKNOWN`.
pub(crate) const UNKNOWN: u16 = 1;
/// `LLAMA_TOKEN_ATTR_UNUSED`.
pub(crate) const UNUSED: u16 = 1 << 1;
/// `LLAMA_TOKEN_ATTR_NORMAL`.
pub(crate) const NORMAL: u16 = 1 << 2;
/// `LLAMA_TOKEN_ATTR_CONTROL`.
pub(crate) const CONTROL: u16 = 1 << 3;
/// `LLAMA_TOKEN_ATTR_USER_DEFINED`.
pub(crate) const USER_DEFINED: u16 = 1 << 4;
/// `LLAMA_TOKEN_ATTR_BYTE`.
pub(crate) const BYTE: u16 = 1 << 5;
/// `LLAMA_TOKEN_ATTR_LSTRIP`.
pub(crate) const LSTRIP: u16 = 1 << 7;
/// `LLAMA_TOKEN_ATTR_RSTRIP`.
pub(crate) const RSTRIP: u16 = 1 << 8;

/// The attribute of a `token_type` value.
pub(crate) fn from_type(ty: i32) -> u16 {
    match ty {
        1 => NORMAL,
        2 => UNKNOWN,
        3 => CONTROL,
        4 => USER_DEFINED,
        5 => UNUSED,
        6 => BYTE,
        _ => 0,
    }
}

/// The texts llama.cpp makes end-of-generation tokens (and so control tokens).
const EOG: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<|flush|>",
    "<|calls|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "[EOS]",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<eos>",
    "<turn|>",
    "<|tool_response>",
    "<｜end▁of▁sentence｜>",
    "[e~[",
];

/// The end-of-turn texts (looked for only without `eot_token_id`).
const EOT: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "<｜end▁of▁sentence｜>",
    "<end_of_utterance>",
];

/// The fill-in-the-middle kinds: their id key and the texts looked for without it.
const FIM: &[(&str, &[&str])] = &[
    (
        "fim_pre",
        &[
            "<|fim_prefix|>",
            "<fim-prefix>",
            "<fim_prefix>",
            "<｜fim▁begin｜>",
            "<PRE>",
            "▁<PRE>",
            "<|code_prefix|>",
            "<|prefix|>",
        ],
    ),
    (
        "fim_suf",
        &[
            "<|fim_suffix|>",
            "<fim-suffix>",
            "<fim_suffix>",
            "<｜fim▁hole｜>",
            "<SUF>",
            "▁<SUF>",
            "<|code_suffix|>",
            "<|suffix|>",
        ],
    ),
    (
        "fim_mid",
        &[
            "<|fim_middle|>",
            "<fim-middle>",
            "<fim_middle>",
            "<｜fim▁end｜>",
            "<MID>",
            "▁<MID>",
            "<|code_middle|>",
            "<|middle|>",
        ],
    ),
    (
        "fim_pad",
        &["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
    ),
    (
        "fim_rep",
        &[
            "<|fim_repo|>",
            "<|repo_name|>",
            "<fim-repo>",
            "<REPO>",
            "<reponame>",
        ],
    ),
    ("fim_sep", &["<|file_sep|>"]),
];

/// What [`attributes`] reads besides the tokens.
pub(crate) struct Context<'a> {
    /// Whether `tokenizer.ggml.{kind}_token_id` is set to an id below the token count, for
    /// `eot`, `eom`, `fim_pre`, ... (llama.cpp then looks for no text of that kind).
    pub has_id_key: &'a dyn Fn(&str) -> bool,
    /// `general.name`, lower-cased.
    pub name: String,
    /// `general.architecture`.
    pub arch: String,
    /// `tokenizer.ggml.pre`.
    pub pre: String,
}

/// The attributes llama.cpp gives the tokens (see the module docs); `Err` names what makes
/// them depend on llama.cpp's hash-map order.
pub(crate) fn attributes(
    texts: &[String],
    to_id: &FxHashMap<String, u32>,
    mut attr: Vec<u16>,
    cx: &Context<'_>,
) -> Result<Vec<u16>, String> {
    let id = |t: &str| to_id.get(t).map(|&i| i as usize);
    let control = |attr: &mut Vec<u16>, i: usize| attr[i] |= CONTROL;
    if !(cx.has_id_key)("eot") {
        if let Some(i) = EOT.iter().find_map(|t| id(t)) {
            // Whichever llama.cpp meets first, all of these are end-of-generation texts too.
            control(&mut attr, i);
        }
    }
    if !(cx.has_id_key)("eom") {
        if let Some(i) = id("<|eom_id|>") {
            control(&mut attr, i);
        }
    }
    for (kind, names) in FIM {
        if (cx.has_id_key)(kind) {
            continue;
        }
        let found: Vec<usize> = names.iter().filter_map(|t| id(t)).collect();
        match found[..] {
            [] => {}
            [i] => control(&mut attr, i),
            _ if found.iter().all(|&i| attr[i] & CONTROL != 0) => {}
            _ => {
                return Err(format!(
                    "several `{kind}` tokens ({}): llama.cpp marks one of them, in its hash map's order",
                    found.iter().map(|&i| texts[i].as_str()).collect::<Vec<_>>().join(" ")
                ))
            }
        }
    }
    for (i, t) in texts.iter().enumerate() {
        if attr[i] & CONTROL != 0 && t.contains("unused") && id(t) == Some(i) {
            attr[i] |= UNUSED;
        }
    }
    for t in EOG {
        if let Some(i) = id(t) {
            control(&mut attr, i);
        }
    }
    for t in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
        if let Some(i) = id(t) {
            attr[i] = USER_DEFINED;
        }
    }
    let has = |t: &str| id(t).is_some();
    if has("<|end|>")
        && ((has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>")))
    {
        attr[id("<|end|>").unwrap_or_default()] = USER_DEFINED;
    }
    if has("</s>") && (has("<|tool_response>") || has("<|plamo:eos|>")) {
        attr[id("</s>").unwrap_or_default()] = NORMAL;
    }
    per_model(to_id, &mut attr, cx)?;
    Ok(attr)
}

/// Step 4 of the module docs.
fn per_model(
    to_id: &FxHashMap<String, u32>,
    attr: &mut [u16],
    cx: &Context<'_>,
) -> Result<(), String> {
    let id = |t: &str| to_id.get(t).map(|&i| i as usize);
    let any = |s: &str, subs: &[&str]| subs.iter().any(|x| s.contains(x));
    if any(&cx.pre, &["jina-v2-de", "jina-v2-es", "jina-v2-code"])
        || any(&cx.arch, &["nomic-bert-moe", "jina-bert-v3"])
    {
        if let Some(i) = id("<mask>") {
            attr[i] |= LSTRIP;
        }
    } else if any(&cx.name, &["phi-3", "phi3"]) {
        for a in attr.iter_mut() {
            if *a & (CONTROL | USER_DEFINED | UNKNOWN) != 0 {
                *a |= RSTRIP;
            }
        }
        let need = |t: &str| {
            id(t).ok_or_else(|| {
                format!("a Phi-3 vocabulary without `{t}` (llama.cpp fails to load it)")
            })
        };
        attr[need("</s>")?] |= RSTRIP;
        for t in ["<unk>", "<s>", "<|endoftext|>"] {
            attr[need(t)?] &= !RSTRIP;
        }
    } else if any(&cx.name, &["modern-bert"]) {
        if let Some(i) = id("[MASK]") {
            attr[i] |= LSTRIP;
        }
    }
    Ok(())
}

/// The special tokens that split the text (see the module docs).
#[derive(Debug, Default, Clone)]
pub(crate) struct Partition {
    /// (text, id, lstrip, rstrip), longest first.
    tokens: Vec<(String, u32, bool, bool)>,
}

/// A part of the text after the partition.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fragment<'a> {
    /// Text to tokenize.
    Text(&'a str),
    /// A special token's id.
    Token(u32),
}

/// `isspace` in the C locale.
fn c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

impl Partition {
    /// The partition of a vocabulary with these texts and attributes, for
    /// `parse_special = false`.
    pub(crate) fn new(texts: &[String], attr: &[u16]) -> Partition {
        let mut tokens: Vec<(String, u32, bool, bool)> = texts
            .iter()
            .zip(attr)
            .enumerate()
            .filter(|(_, (t, &a))| {
                a & USER_DEFINED != 0 && a & (CONTROL | UNKNOWN) == 0 && !t.is_empty()
            })
            .map(|(i, (t, &a))| (t.clone(), i as u32, a & LSTRIP != 0, a & RSTRIP != 0))
            .collect();
        tokens.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
        Partition { tokens }
    }

    /// The number of tokens that split the text.
    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Splits `text` as llama.cpp's `tokenizer_st_partition` does.
    pub(crate) fn split<'a>(&self, text: &'a str) -> Vec<Fragment<'a>> {
        let mut fragments = vec![Fragment::Text(text)];
        if text.is_empty() {
            return vec![];
        }
        for (token, id, lstrip, rstrip) in &self.tokens {
            let mut next = Vec::with_capacity(fragments.len());
            for fragment in fragments {
                let Fragment::Text(mut rest) = fragment else {
                    next.push(fragment);
                    continue;
                };
                while let Some(at) = rest.find(token.as_str()) {
                    let mut left = &rest[..at];
                    if *lstrip {
                        left = left.trim_end_matches(c_space);
                    }
                    if !left.is_empty() {
                        next.push(Fragment::Text(left));
                    }
                    next.push(Fragment::Token(*id));
                    rest = &rest[at + token.len()..];
                    if *rstrip {
                        rest = rest.trim_start_matches(c_space);
                    }
                }
                if !rest.is_empty() {
                    next.push(Fragment::Text(rest));
                }
            }
            fragments = next;
        }
        fragments
    }
}
