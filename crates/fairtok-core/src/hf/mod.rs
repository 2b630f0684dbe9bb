//! Hugging Face `tokenizer.json` files with a BPE model, encoded as `tokenizers` encodes them.
//!
//! # Pipeline
//!
//! `encode(text, add_special_tokens=False)` in Hugging Face tokenizers does, in order:
//!
//! 1. **Added tokens, raw.** Added tokens with `normalized: false` are found in the original text
//!    (leftmost-longest, honouring `single_word`, `lstrip`, `rstrip`) and become their ids.
//! 2. **Normalizer** on each remaining span (NFC, `Replace`, ...).
//! 3. **Added tokens, normalized.** Tokens with `normalized: true` are found in the normalized
//!    spans.
//! 4. **Pre-tokenizer** on each remaining span (`Split` with an Oniguruma regex, `ByteLevel`, ...).
//! 5. **Model**: each pre-token is one BPE word. With `ignore_merges`, a word that is itself in
//!    the vocabulary is that token. Otherwise the word starts as one symbol per character (with
//!    `byte_fallback`, an unknown character becomes its `<0xXX>` byte tokens; else the unknown
//!    token, fused when `fuse_unk`), and `crate::bpe::merge` merges pairs by their index in
//!    `merges`.
//! 6. **Post-processor** only when asked (`add_special_tokens=True`, fairtok's `--add-special`).
//!
//! fairtok works on the same strings as the reference (byte-level files are matched on their
//! byte-level symbols), so the ids are the same by construction. A component fairtok does not
//! implement is an [`Error::Unsupported`] at load time, never a silently skipped step.
//!
//! # Layout
//!
//! As in Hugging Face tokenizers, the runtime (this file: added-token matching, the pipeline,
//! the BPE model) is apart from the reading of the JSON document (`serialization`: every
//! component's fields checked, named by their JSON path in errors) and from the components
//! themselves (`components`: normalizers, pre-tokenizers, decoders, post-processors).

mod bert;
mod components;
mod serialization;
mod unigram;
mod wordpiece;

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::bpe::{self, Scratch, Symbol};
use crate::error::{Error, Result};
use components::*;
pub(crate) use components::{byte_level_decode, parse_byte_token};
use unigram::UnigramModel;
pub(crate) use wordpiece::from_vocab_txt;
use wordpiece::WordPieceModel;

/// An added token of a `tokenizer.json`.
#[derive(Debug, Clone)]
pub struct AddedToken {
    /// Its id.
    pub id: u32,
    /// Its text.
    pub content: String,
    /// Whether it is a special token (`special: true`).
    pub special: bool,
    single_word: bool,
    lstrip: bool,
    rstrip: bool,
    normalized: bool,
}

impl AddedToken {
    /// A special token as tokenizers' `add_special_tokens([content])` makes it: matched whole,
    /// in the text before normalization.
    fn special(id: u32, content: &str) -> AddedToken {
        AddedToken {
            id,
            content: content.to_owned(),
            special: true,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
        }
    }
}

/// The model of a `tokenizer.json`.
#[derive(Debug)]
// One model per loaded tokenizer: the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Model {
    Bpe(BpeModel),
    WordPiece(WordPieceModel),
    Unigram(UnigramModel),
}

impl Model {
    fn vocab(&self) -> &FxHashMap<String, u32> {
        match self {
            Model::Bpe(m) => &m.vocab,
            Model::WordPiece(m) => &m.vocab,
            Model::Unigram(m) => &m.vocab,
        }
    }

    /// Tokenizes one pre-token; `buf` is WordPiece's buffer for `##`-prefixed lookups.
    fn tokenize(
        &self,
        word: &str,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
        buf: &mut String,
    ) -> Result<()> {
        match self {
            Model::Bpe(m) => {
                m.tokenize(word, out, scratch);
                Ok(())
            }
            Model::WordPiece(m) => m.tokenize(word, out, buf),
            Model::Unigram(m) => m.tokenize(word, out),
        }
    }
}

/// The BPE model of a `tokenizer.json`.
#[derive(Debug)]
struct BpeModel {
    vocab: FxHashMap<String, u32>,
    merges: FxHashMap<(u32, u32), (u32, u32)>,
    unk: Option<u32>,
    fuse_unk: bool,
    byte_fallback: Option<[u32; 256]>,
    ignore_merges: bool,
    prefix: Option<String>,
    suffix: Option<String>,
}

/// A matcher for one group of added tokens (raw or normalized).
#[derive(Debug)]
struct AddedMatcher {
    automaton: AhoCorasick,
    /// Index into the added tokens, per pattern.
    tokens: Vec<usize>,
}

/// A loaded `tokenizer.json`.
#[derive(Debug)]
pub struct HfModel {
    normalizer: Option<Normalizer>,
    pre: Vec<PreStep>,
    model: Model,
    added: Vec<AddedToken>,
    raw_matcher: Option<AddedMatcher>,
    normalized_matcher: Option<AddedMatcher>,
    post: Option<std::result::Result<PostProcessor, String>>,
    decoder: Decoder,
    /// The regex of the first `Split` step, for display.
    pattern: Option<String>,
}

/// One span of text after added-token extraction.
enum Span<'a> {
    Token(u32),
    Text(std::borrow::Cow<'a, str>, bool),
}

impl HfModel {
    /// Parses a `tokenizer.json` document. `origin` names the file in errors.
    pub fn from_json(data: &[u8], origin: &str) -> Result<HfModel> {
        let root: Value = serde_json::from_slice(data).map_err(|e| Error::TokenizerJson {
            path: origin.to_owned(),
            reason: format!("not valid JSON: {e}"),
        })?;
        HfModel::from_value(&root, origin)
    }

    /// [`HfModel::from_json`] on a parsed document.
    pub fn from_value(root: &Value, origin: &str) -> Result<HfModel> {
        serialization::Loader { origin }.load(root)
    }

    /// `"BPE"`, `"WordPiece"` or `"Unigram"`.
    pub fn model_type(&self) -> &'static str {
        match self.model {
            Model::Bpe(_) => "BPE",
            Model::WordPiece(_) => "WordPiece",
            Model::Unigram(_) => "Unigram",
        }
    }

    /// The model's unknown token (`unk_token` of BPE and WordPiece, `unk_id` of Unigram).
    pub(crate) fn unknown(&self) -> Option<(String, u32)> {
        let id = match &self.model {
            Model::Bpe(m) => m.unk,
            Model::WordPiece(m) => m.unk_id,
            Model::Unigram(m) => m.unk(),
        }?;
        let text = self.model.vocab().iter().find(|(_, &i)| i == id)?.0.clone();
        Some((text, id))
    }

    /// The added tokens, in file order.
    pub fn added_tokens(&self) -> &[AddedToken] {
        &self.added
    }

    /// The first `Split` regex of the pre-tokenizer, if any.
    pub fn pattern(&self) -> Option<&str> {
        self.pattern.as_deref()
    }

    /// Size of the model vocabulary (without added tokens outside it).
    pub fn model_vocab(&self) -> impl Iterator<Item = (&str, u32)> {
        self.model.vocab().iter().map(|(s, &i)| (s.as_str(), i))
    }

    /// The bytes each id decodes to, as `(id, bytes)`, for vocabulary and added tokens.
    pub(crate) fn id_bytes(&self) -> Vec<(u32, Vec<u8>)> {
        self.id_bytes_at(false)
    }

    /// The bytes each id decodes to in the first position, where that differs from
    /// [`HfModel::id_bytes`] (the WordPiece decoder puts no space before the first token);
    /// `None` if it never does.
    pub(crate) fn first_id_bytes(&self) -> Option<Vec<(u32, Vec<u8>)>> {
        self.decoder.first_differs().then(|| self.id_bytes_at(true))
    }

    fn id_bytes_at(&self, first: bool) -> Vec<(u32, Vec<u8>)> {
        let mut out: Vec<(u32, Vec<u8>)> = self
            .model
            .vocab()
            .iter()
            .map(|(s, &id)| (id, self.decoder.token_bytes_at(s, first)))
            .collect();
        // As in tokenizers, an added token's text wins over the model's for the same id.
        for t in &self.added {
            out.push((t.id, self.decoder.token_bytes_at(&t.content, first)));
        }
        out
    }

    /// The whole-output decoder steps (`Strip`, Metaspace's leading space).
    pub(crate) fn finish_decode(&self, out: Vec<u8>, first_token_len: usize) -> Vec<u8> {
        self.decoder.finish(out, first_token_len)
    }

    /// `encode(text, add_special_tokens=add_special)`. A special added token is matched only if
    /// `allowed(id)`: `|_| false` is HF's `encode_special_tokens = True`. Non-special added
    /// tokens are always matched, as in HF.
    pub fn encode(
        &self,
        text: &str,
        allowed: &dyn Fn(u32) -> bool,
        add_special: bool,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        let start = out.len();
        let mut spans = vec![];
        self.extract(text, self.raw_matcher.as_ref(), allowed, true, &mut |s| {
            spans.push(s)
        });
        let mut scratch = Scratch::default();
        for span in spans {
            match span {
                Span::Token(id) => out.push(id),
                Span::Text(t, first) => {
                    let norm = match &self.normalizer {
                        Some(n) => std::borrow::Cow::Owned(n.normalize(t.into_owned())?),
                        None => t,
                    };
                    let mut inner = vec![];
                    self.extract(
                        &norm,
                        self.normalized_matcher.as_ref(),
                        allowed,
                        first,
                        &mut |s| inner.push(s),
                    );
                    for span in inner {
                        match span {
                            Span::Token(id) => out.push(id),
                            Span::Text(t, first) => {
                                self.encode_normalized(&t, first, out, &mut scratch)?
                            }
                        }
                    }
                }
            }
        }
        if add_special {
            match &self.post {
                None => {}
                Some(Ok(post)) => {
                    let ids = out.split_off(start);
                    out.extend(post.apply(ids));
                }
                Some(Err(msg)) => return Err(Error::Usage(msg.clone())),
            }
        }
        Ok(())
    }

    fn encode_normalized(
        &self,
        text: &str,
        first: bool,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let mut pieces: Vec<Piece> = vec![(text.to_owned(), first)];
        for step in &self.pre {
            pieces = step.apply(pieces)?;
        }
        let mut buf = String::new();
        for (word, _) in pieces {
            self.model.tokenize(&word, out, scratch, &mut buf)?;
        }
        Ok(())
    }

    /// Splits `text` on the added tokens of `matcher` (HF's `find_matches`).
    fn extract<'a>(
        &self,
        text: &'a str,
        matcher: Option<&AddedMatcher>,
        allowed: &dyn Fn(u32) -> bool,
        first: bool,
        emit: &mut dyn FnMut(Span<'a>),
    ) {
        // tokenizers drops empty splits: an empty text (before or after normalization) is no
        // pre-token at all (a Metaspace would otherwise make it `▁`).
        if text.is_empty() {
            return;
        }
        let Some(matcher) = matcher else {
            emit(Span::Text(text.into(), first));
            return;
        };
        let mut start_offset = 0;
        for m in matcher.automaton.find_iter(text) {
            let tok = &self.added[matcher.tokens[m.pattern().as_usize()]];
            if tok.special && !allowed(tok.id) {
                continue;
            }
            let (mut start, mut stop) = (m.start(), m.end());
            if tok.single_word {
                let start_ok =
                    start == 0 || !text[..start].chars().next_back().is_some_and(is_word_char);
                let stop_ok =
                    stop == text.len() || !text[stop..].chars().next().is_some_and(is_word_char);
                if !start_ok || !stop_ok {
                    continue;
                }
            }
            if tok.lstrip {
                let trimmed = text[..start].trim_end_matches(char::is_whitespace).len();
                start = trimmed.max(start_offset);
            }
            if tok.rstrip {
                stop +=
                    text[stop..].len() - text[stop..].trim_start_matches(char::is_whitespace).len();
            }
            if start_offset < start {
                emit(Span::Text(
                    text[start_offset..start].into(),
                    first && start_offset == 0,
                ));
            }
            emit(Span::Token(tok.id));
            start_offset = stop;
        }
        if start_offset < text.len() {
            emit(Span::Text(
                text[start_offset..].into(),
                first && start_offset == 0,
            ));
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl BpeModel {
    /// Tokenizes one word (HF's `BPE::tokenize`).
    fn tokenize(&self, word: &str, out: &mut Vec<u32>, scratch: &mut Scratch) {
        if word.is_empty() {
            return;
        }
        if self.ignore_merges {
            if let Some(&id) = self.vocab.get(word) {
                out.push(id);
                return;
            }
        }
        let syms = &mut scratch.symbols;
        syms.clear();
        let mut unk: Option<(u32, usize, usize)> = None; // (id, start, end)
        let mut buf = String::new();
        let mut iter = word.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            let end = iter.peek().map_or(word.len(), |&(j, _)| j);
            let mut key: &str = &word[i..end];
            if (i != 0 && self.prefix.is_some()) || (end == word.len() && self.suffix.is_some()) {
                buf.clear();
                if i != 0 {
                    buf.push_str(self.prefix.as_deref().unwrap_or(""));
                }
                buf.push(c);
                if end == word.len() {
                    buf.push_str(self.suffix.as_deref().unwrap_or(""));
                }
                key = &buf;
            }
            if let Some(&id) = self.vocab.get(key) {
                if let Some((uid, us, ue)) = unk.take() {
                    syms.push(Symbol::new(uid, us, ue));
                }
                syms.push(Symbol::new(id, i, end));
                continue;
            }
            if let Some(bytes) = &self.byte_fallback {
                // HF looks up `<0xXX>` for every byte of the key (with prefix/suffix); only if
                // all exist are they used. (A pending unknown token is not flushed first, as in HF.)
                if key.bytes().all(|b| bytes[b as usize] != u32::MAX) {
                    for (k, b) in key.bytes().enumerate() {
                        let pos = i + k.min(end - i - 1);
                        syms.push(Symbol::new(bytes[b as usize], pos, pos + 1));
                    }
                    continue;
                }
            }
            if let Some(uid) = self.unk {
                unk = match unk {
                    Some((u, s, _)) if self.fuse_unk => Some((u, s, end)),
                    Some(prev) => {
                        syms.push(Symbol::new(prev.0, prev.1, prev.2));
                        Some((uid, i, end))
                    }
                    None => Some((uid, i, end)),
                };
            }
            // No byte fallback and no unknown token: HF drops the character.
        }
        if let Some((uid, us, ue)) = unk {
            syms.push(Symbol::new(uid, us, ue));
        }
        let merges = &self.merges;
        bpe::merge(scratch, out, |a, b| merges.get(&(a.id, b.id)).copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(json: &str) -> Result<HfModel> {
        HfModel::from_json(json.as_bytes(), "t.json")
    }

    const TINY: &str = r#"{
        "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
        "added_tokens": [{"id": 6, "content": "<s>", "special": true, "normalized": false}],
        "decoder": null,
        "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5},
                  "merges": ["a b", ["ab", "c"], "b c"], "unk_token": null}
    }"#;

    #[test]
    fn tiny_bpe_merges_in_merge_order() {
        let m = load(TINY).unwrap();
        let mut out = vec![];
        m.encode("abc bc<s>ab", &|_| true, false, &mut out).unwrap();
        assert_eq!(out, vec![4, 5, 6, 3]);
        out.clear();
        m.encode("ab<s>", &|_| false, false, &mut out).unwrap();
        // With special tokens not split, "<s>" is text; its characters are not in the vocab and
        // there is no unknown token, so HF drops them.
        assert_eq!(out, vec![3]);
    }

    #[test]
    fn unsupported_components_are_named() {
        let e = load(r#"{"model": {"type": "WordLevel", "vocab": {}}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: unsupported model `WordLevel` (fairtok supports: BPE, WordPiece, Unigram)"
        );
        // The older schema without `type`: a Unigram vocab is a list.
        let m = load(r#"{"model": {"vocab": [["a", -1.0], ["<unk>", 0.0]], "unk_id": 1}}"#);
        let mut out = vec![];
        m.unwrap()
            .encode("aab", &|_| true, false, &mut out)
            .unwrap();
        assert_eq!(out, [0, 0, 1]);
        let e = load(&TINY.replace("WhitespaceSplit", "Whitespace")).unwrap_err();
        assert!(
            e.to_string()
                .contains("unsupported pre_tokenizer `Whitespace`"),
            "{e}"
        );
        let e = load(&TINY.replace(r#""normalizer": null"#, r#""normalizer": {"type": "Nmt"}"#))
            .unwrap_err();
        assert!(
            e.to_string().contains("unsupported normalizer `Nmt`"),
            "{e}"
        );
        let e = load(&TINY.replace(
            r#""normalizer": null"#,
            r#""normalizer": {"type": "Precompiled", "precompiled_charsmap": "AQID"}"#,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("precompiled_charsmap"), "{e}");
        let e =
            load(&TINY.replace(r#""decoder": null"#, r#""decoder": {"type": "CTC"}"#)).unwrap_err();
        assert!(e.to_string().contains("unsupported decoder `CTC`"), "{e}");
    }

    #[test]
    fn wordpiece_tokenizer_json() {
        // The older schema (no `type`), BertNormalizer lower-casing, BertProcessing's own ids.
        let json = r###"{
            "normalizer": {"type": "BertNormalizer", "clean_text": true,
                           "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "added_tokens": [{"id": 1, "content": "[UNK]", "special": true, "normalized": false}],
            "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
            "model": {"unk_token": "[UNK]", "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100,
                      "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "cafe": 4,
                                "##s": 5, "!": 6, "中": 7}}
        }"###;
        let m = load(json).unwrap();
        let mut out = vec![];
        m.encode("Cafés! 中x", &|_| true, true, &mut out).unwrap();
        assert_eq!(out, vec![2, 4, 5, 6, 7, 1, 3]);
        let t = crate::Tokenizer::from_tokenizer_json(json.as_bytes(), "t", "t.json").unwrap();
        assert_eq!(t.model_type(), "WordPiece");
        // The first token gets no space; `##` pieces join; cleanup removes " !".
        assert_eq!(
            t.decode_bytes(&[4, 5, 6, 7]).unwrap(),
            "cafes! 中".as_bytes()
        );
        assert_eq!(t.decode_bytes(&[5, 4]).unwrap(), b"##s cafe");
    }

    #[test]
    fn added_tokens_get_the_ids_tokenizers_gives_them() {
        // `zz` says 1 but is new: the next id after the vocabulary's six entries; `ab` says 99
        // but is in the vocabulary (3); a repeated text keeps its first id.
        let json = TINY.replace(
            r#"[{"id": 6, "content": "<s>", "special": true, "normalized": false}]"#,
            r#"[{"id": 1, "content": "zz", "special": true, "normalized": false},
                {"id": 99, "content": "ab", "special": true, "normalized": false},
                {"id": 5, "content": "", "special": true, "normalized": false},
                {"id": 7, "content": "<s>", "special": true, "normalized": false},
                {"id": 8, "content": "zz", "special": false, "normalized": false}]"#,
        );
        let m = load(&json).unwrap();
        let ids: Vec<(&str, u32)> = m.added.iter().map(|t| (t.content.as_str(), t.id)).collect();
        assert_eq!(ids, [("zz", 6), ("ab", 3), ("<s>", 7)]);
        assert!(!m.added[0].special);
    }

    #[test]
    fn empty_texts_and_punctuation() {
        let json = TINY.replace(
            r#"{"type": "WhitespaceSplit"}"#,
            r#"{"type": "Sequence", "pretokenizers": [
                  {"type": "Punctuation", "behavior": "Contiguous"},
                  {"type": "Metaspace", "replacement": "a", "add_prefix_space": true}]}"#,
        );
        let m = load(&json).unwrap();
        let mut out = vec![];
        // No pre-token at all for an empty text (Metaspace would make it "a").
        m.encode("", &|_| true, false, &mut out).unwrap();
        assert_eq!(out, Vec::<u32>::new());
        // "b!?c" → "b", "!?", "c" (Contiguous), then Metaspace prepends "a" to each: "ab" is
        // merged; of "a!?" only "a" is a token (the rest is dropped); "ac" has no merge.
        m.encode("b!?c", &|_| true, false, &mut out).unwrap();
        assert_eq!(out, vec![3, 0, 0, 2]);
    }

    #[test]
    fn a_long_added_token_loads_in_linear_time() {
        // A 1 MB added token: aho-corasick's DFA build was quadratic in its length (100 KB took
        // 50 s, so this would take hours); the contiguous NFA's build is linear.
        let long = "b".repeat(1 << 20);
        let json = TINY.replace(r#""content": "<s>""#, &format!(r#""content": "{long}""#));
        let start = std::time::Instant::now();
        let m = load(&json).unwrap();
        let matcher = m.raw_matcher.as_ref().unwrap();
        assert_eq!(
            matcher.automaton.kind(),
            aho_corasick::AhoCorasickKind::ContiguousNFA
        );
        let mut out = vec![];
        m.encode(&format!("a{long}a"), &|_| true, false, &mut out)
            .unwrap();
        assert_eq!(out, vec![0, 6, 0]);
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
        // Small sets keep the faster DFA.
        let m = load(TINY).unwrap();
        let kind = m.raw_matcher.as_ref().unwrap().automaton.kind();
        assert_eq!(kind, aho_corasick::AhoCorasickKind::DFA);
    }

    #[test]
    fn a_split_regex_that_oniguruma_gives_up_on_is_an_error() {
        let json = TINY.replace(
            r#"{"type": "WhitespaceSplit"}"#,
            r#"{"type": "Split", "pattern": {"Regex": "(a+)+$"}, "behavior": "Isolated", "invert": false}"#,
        );
        let m = load(&json).unwrap();
        let mut out = vec![];
        let text = format!("{}b", "a".repeat(31));
        let e = m.encode(&text, &|_| true, false, &mut out).unwrap_err();
        assert!(matches!(e, Error::Pretokenize { .. }), "{e}");
    }

    #[test]
    fn unknown_post_processors_are_refused() {
        for post in [
            r#"{"type": "Nope"}"#,
            r#"{"type": "Sequence", "processors": [{"type": "ByteLevel"}, {"type": "Nope"}]}"#,
        ] {
            let json = TINY.replace(
                r#""decoder": null"#,
                &format!(r#""decoder": null, "post_processor": {post}"#),
            );
            let e = load(&json).unwrap_err();
            assert!(
                matches!(&e, Error::Unsupported { component: "post_processor", kind, .. } if kind == "Nope"),
                "{e}"
            );
        }
        let json = TINY.replace(
            r#""decoder": null"#,
            r#""decoder": null, "post_processor": {"type": "ByteLevel"}"#,
        );
        load(&json).unwrap();
    }

    #[test]
    fn malformed_documents() {
        assert!(load("{not json")
            .unwrap_err()
            .to_string()
            .starts_with("t.json: not valid JSON"));
        let e = load(&TINY.replace(r#""a b""#, r#""a x""#)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: $.model.merges[0]: token \"x\" is not in the vocab"
        );
        let e = load(&TINY.replace(r#""a b""#, r#""a b c""#)).unwrap_err();
        assert!(e.to_string().contains("not two tokens"), "{e}");
        let e = load(r#"[1, 2]"#).unwrap_err();
        assert_eq!(e.to_string(), "t.json: $: expected a JSON object");
    }

    #[test]
    fn unknown_characters_fuse_into_unk() {
        let json = TINY
            .replace(
                r#""unk_token": null"#,
                r#""unk_token": "<unk>", "fuse_unk": true"#,
            )
            .replace(r#""bc": 5"#, r#""bc": 5, "<unk>": 7"#);
        let m = load(&json).unwrap();
        let mut out = vec![];
        m.encode("xxab", &|_| true, false, &mut out).unwrap();
        assert_eq!(out, vec![7, 3]);
    }
}
