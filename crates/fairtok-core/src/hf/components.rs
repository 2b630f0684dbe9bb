//! The pipeline components of a `tokenizer.json`: normalizers, pre-tokenizers, decoders and
//! post-processors, each with Hugging Face tokenizers' semantics.
//!
//! Only what changes token ids (or the bytes a decode gives back) is modelled; offsets are not.

use unicode_normalization_alignments::UnicodeNormalization;

use crate::charsmap::Charsmap;
use crate::error::Result;
use crate::pattern::Regex;

/// A `Split`/`Replace` pattern: a literal string or an Oniguruma regex.
#[derive(Debug)]
pub(crate) enum Pattern {
    Literal(String),
    Regex(Regex),
}

impl Pattern {
    /// The non-overlapping matches, left to right, as byte ranges.
    pub fn matches(&self, s: &str) -> Result<Vec<(usize, usize)>> {
        let mut out = vec![];
        match self {
            Pattern::Literal(lit) => {
                if !lit.is_empty() {
                    out.extend(s.match_indices(lit.as_str()).map(|(i, m)| (i, i + m.len())));
                }
            }
            // Empty matches are kept: in `Split` they change how neighbours merge, as in HF.
            Pattern::Regex(re) => re.for_each_match(s, |a, b| out.push((a, b)))?,
        }
        Ok(out)
    }
}

/// A normalizer.
#[derive(Debug)]
pub(crate) enum Normalizer {
    Nfc,
    Nfd,
    Nfkc,
    Nfkd,
    Lowercase,
    Replace(Pattern, String),
    Prepend(String),
    Strip {
        left: bool,
        right: bool,
    },
    Bert(super::bert::BertNormalizer),
    /// SentencePiece's compiled rules, applied per grapheme cluster as tokenizers does.
    Precompiled(Charsmap),
    Sequence(Vec<Normalizer>),
}

impl Normalizer {
    pub fn normalize(&self, s: String) -> Result<String> {
        Ok(match self {
            // The same Unicode tables as Hugging Face tokenizers (unicode-normalization-alignments).
            Normalizer::Nfc => s.nfc().map(|(c, _)| c).collect(),
            Normalizer::Nfd => s.nfd().map(|(c, _)| c).collect(),
            Normalizer::Nfkc => s.nfkc().map(|(c, _)| c).collect(),
            Normalizer::Nfkd => s.nfkd().map(|(c, _)| c).collect(),
            Normalizer::Lowercase => s.chars().flat_map(char::to_lowercase).collect(),
            Normalizer::Replace(p, content) => replace_all(&s, p, content)?,
            Normalizer::Prepend(p) => {
                if s.is_empty() {
                    s
                } else {
                    format!("{p}{s}")
                }
            }
            Normalizer::Strip { left, right } => {
                let mut t: &str = &s;
                if *left {
                    t = t.trim_start();
                }
                if *right {
                    t = t.trim_end();
                }
                t.to_owned()
            }
            Normalizer::Bert(b) => b.normalize(&s),
            Normalizer::Precompiled(map) => precompiled(map, &s),
            Normalizer::Sequence(steps) => {
                let mut s = s;
                for step in steps {
                    s = step.normalize(s)?;
                }
                s
            }
        })
    }
}

/// tokenizers' `Precompiled` normalizer, quirks kept, since they decide real ids: a grapheme
/// cluster of under 6 bytes whose start matches a rule is replaced whole by the **shortest**
/// matching rule's replacement; any other cluster is replaced character by character (a
/// character without a rule stays). So halfwidth `ｶﾞ` (one cluster of 6 bytes) becomes `カ` +
/// a combining mark, not the `ガ` its own rule gives. (SentencePiece itself takes the longest
/// rule at each point; see `crate::spm`.)
fn precompiled(map: &Charsmap, s: &str) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let mut out = String::with_capacity(s.len());
    for grapheme in s.graphemes(true) {
        if grapheme.len() < 6 {
            if let Some(norm) = map.first(grapheme.as_bytes()) {
                out.push_str(norm);
                continue;
            }
        }
        for (i, c) in grapheme.char_indices() {
            match map.first(&grapheme.as_bytes()[i..i + c.len_utf8()]) {
                Some(norm) => out.push_str(norm),
                None => out.push(c),
            }
        }
    }
    out
}

fn replace_all(s: &str, p: &Pattern, content: &str) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (a, b) in p.matches(s)? {
        if a == b {
            continue;
        }
        out.push_str(&s[last..a]);
        out.push_str(content);
        last = b;
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// What `Split` does with the matched delimiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behavior {
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// How `Metaspace` prepends its replacement character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prepend {
    Always,
    First,
    Never,
}

/// One pre-tokenizer step (a `Sequence` is flattened into several).
#[derive(Debug)]
pub(crate) enum PreStep {
    Split {
        pattern: Pattern,
        behavior: Behavior,
        invert: bool,
    },
    /// Maps every byte to its GPT-2 byte-level character, after an optional split.
    ByteLevel {
        add_prefix_space: bool,
        regex: Option<Regex>,
    },
    Metaspace {
        replacement: char,
        prepend: Prepend,
        split: bool,
    },
    Digits {
        individual: bool,
    },
    WhitespaceSplit,
    /// BERT's: whitespace removed, punctuation isolated.
    Bert,
    /// Every punctuation character (BERT's definition) is a delimiter, kept by `behavior`.
    Punctuation {
        behavior: Behavior,
    },
}

/// A pre-token being split further: its text and whether it starts the original input.
pub(crate) type Piece = (String, bool);

impl PreStep {
    /// Applies the step to every piece.
    pub fn apply(&self, pieces: Vec<Piece>) -> Result<Vec<Piece>> {
        let mut out = Vec::with_capacity(pieces.len() * 2);
        for (s, first) in pieces {
            match self {
                PreStep::Split {
                    pattern,
                    behavior,
                    invert,
                } => {
                    let m = pattern.matches(&s)?;
                    push_splits(&s, first, &m, *behavior, *invert, &mut out);
                }
                PreStep::ByteLevel {
                    add_prefix_space,
                    regex,
                } => {
                    let s = if *add_prefix_space && !s.starts_with(' ') {
                        format!(" {s}")
                    } else {
                        s
                    };
                    let mut parts = vec![];
                    match regex {
                        Some(re) => {
                            let mut m = vec![];
                            re.for_each_match(&s, |a, b| {
                                if a < b {
                                    m.push((a, b))
                                }
                            })?;
                            push_splits(&s, first, &m, Behavior::Isolated, false, &mut parts);
                        }
                        None => parts.push((s, first)),
                    }
                    out.extend(parts.into_iter().map(|(p, f)| (byte_level_encode(&p), f)));
                }
                PreStep::Metaspace {
                    replacement,
                    prepend,
                    split,
                } => {
                    let mut t: String = s
                        .chars()
                        .map(|c| if c == ' ' { *replacement } else { c })
                        .collect();
                    let add = match prepend {
                        Prepend::Always => true,
                        Prepend::First => first,
                        Prepend::Never => false,
                    };
                    if add && !t.starts_with(*replacement) {
                        t.insert(0, *replacement);
                    }
                    if *split {
                        let r = replacement.len_utf8();
                        let m: Vec<_> = t
                            .match_indices(*replacement)
                            .map(|(i, _)| (i, i + r))
                            .collect();
                        push_splits(&t, first, &m, Behavior::MergedWithNext, false, &mut out);
                    } else {
                        out.push((t, first));
                    }
                }
                PreStep::Digits { individual } => {
                    let mut m: Vec<(usize, usize)> = vec![];
                    for (i, c) in s.char_indices() {
                        if c.is_numeric() {
                            let e = i + c.len_utf8();
                            match m.last_mut() {
                                Some(last) if !individual && last.1 == i => last.1 = e,
                                _ => m.push((i, e)),
                            }
                        }
                    }
                    let b = if *individual {
                        Behavior::Isolated
                    } else {
                        Behavior::Contiguous
                    };
                    push_splits(&s, first, &m, b, false, &mut out);
                }
                PreStep::Bert => super::bert::pre_tokenize(&s, first, &mut out),
                PreStep::Punctuation { behavior } => {
                    let m: Vec<(usize, usize)> = s
                        .char_indices()
                        .filter(|&(_, c)| super::bert::is_bert_punc(c))
                        .map(|(i, c)| (i, i + c.len_utf8()))
                        .collect();
                    push_splits(&s, first, &m, *behavior, false, &mut out);
                }
                PreStep::WhitespaceSplit => {
                    let mut m: Vec<(usize, usize)> = vec![];
                    for (i, c) in s.char_indices() {
                        if c.is_whitespace() {
                            let e = i + c.len_utf8();
                            match m.last_mut() {
                                Some(last) if last.1 == i => last.1 = e,
                                _ => m.push((i, e)),
                            }
                        }
                    }
                    push_splits(&s, first, &m, Behavior::Removed, false, &mut out);
                }
            }
        }
        Ok(out)
    }
}

/// Splits `s` around `matches` the way Hugging Face's `NormalizedString::split` does.
fn push_splits(
    s: &str,
    first: bool,
    matches: &[(usize, usize)],
    behavior: Behavior,
    invert: bool,
    out: &mut Vec<Piece>,
) {
    // Every byte of `s` in order, as (range, is_match).
    let mut segs: Vec<((usize, usize), bool)> = Vec::with_capacity(matches.len() * 2 + 1);
    let mut last = 0;
    for &(a, b) in matches {
        if last < a {
            segs.push(((last, a), invert));
        }
        segs.push(((a, b), !invert));
        last = b;
    }
    if last < s.len() {
        segs.push(((last, s.len()), invert));
    }
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(segs.len());
    match behavior {
        Behavior::Isolated => ranges.extend(segs.iter().map(|x| x.0)),
        Behavior::Removed => ranges.extend(segs.iter().filter(|x| !x.1).map(|x| x.0)),
        Behavior::Contiguous => {
            let mut prev = false;
            for &(r, m) in &segs {
                match ranges.last_mut() {
                    Some(last) if m == prev => last.1 = r.1,
                    _ => ranges.push(r),
                }
                prev = m;
            }
        }
        Behavior::MergedWithPrevious => {
            let mut prev = false;
            for &(r, m) in &segs {
                match ranges.last_mut() {
                    Some(last) if m && !prev => last.1 = r.1,
                    _ => ranges.push(r),
                }
                prev = m;
            }
        }
        Behavior::MergedWithNext => {
            let mut prev = false;
            for &(r, m) in segs.iter().rev() {
                match ranges.last_mut() {
                    Some(last) if m && !prev => last.0 = r.0,
                    _ => ranges.push(r),
                }
                prev = m;
            }
            ranges.reverse();
        }
    }
    for (a, b) in ranges {
        if a < b {
            out.push((s[a..b].to_owned(), first && a == 0));
        }
    }
}

/// GPT-2's byte-to-character table: printable bytes map to themselves, the others to
/// U+0100 and up, in byte order.
pub(crate) fn byte_level_chars() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut n = 0u32;
    for b in 0..256u32 {
        let printable =
            (0x21..=0x7E).contains(&b) || (0xA1..=0xAC).contains(&b) || (0xAE..=0xFF).contains(&b);
        table[b as usize] = if printable {
            char::from_u32(b).unwrap()
        } else {
            n += 1;
            char::from_u32(255 + n).unwrap()
        };
    }
    table
}

fn byte_level_encode(s: &str) -> String {
    thread_local! {
        static TABLE: [char; 256] = byte_level_chars();
    }
    TABLE.with(|t| s.bytes().map(|b| t[b as usize]).collect())
}

/// The inverse byte-level map, or `None` if some character is not a byte-level symbol.
pub(crate) fn byte_level_decode(s: &str) -> Option<Vec<u8>> {
    s.chars()
        .map(|c| {
            let c = c as u32;
            match c {
                0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF => Some(c as u8),
                0x100..=0x143 => {
                    // The 68 non-printable bytes, in byte order.
                    let k = (c - 0x100) as usize;
                    NON_PRINTABLE.get(k).copied()
                }
                _ => None,
            }
        })
        .collect()
}

/// The bytes that byte-level maps above U+00FF, in order.
const NON_PRINTABLE: [u8; 68] = {
    let mut out = [0u8; 68];
    let mut n = 0;
    let mut b = 0usize;
    while b < 256 {
        let printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
        if !printable {
            out[n] = b as u8;
            n += 1;
        }
        b += 1;
    }
    out
};

/// One decoder step applied to each token on its own.
#[derive(Debug)]
pub(crate) enum TokenDecode {
    ByteLevel,
    Replace(String, String),
    ByteFallback,
    /// Metaspace: the replacement character becomes a space.
    Metaspace(char),
    /// WordPiece: a token after the first loses its `prefix` (`##`) or gets a space before it;
    /// `cleanup` then removes the space before `.`, `?`, `!`, `,` and some contractions.
    WordPiece {
        prefix: String,
        cleanup: bool,
    },
}

/// The decoder of a `tokenizer.json`, reduced to bytes: per-token steps, then steps on the
/// whole output.
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    pub per_token: Vec<TokenDecode>,
    /// `Strip`: how many leading/trailing copies of a character to remove from the output.
    pub strip: Option<(char, usize, usize)>,
    /// `Metaspace` with a prepend scheme: the first token loses one leading space.
    pub strip_first_space: bool,
}

impl Decoder {
    /// Whether a token decodes differently in the first position (WordPiece).
    pub fn first_differs(&self) -> bool {
        self.per_token
            .iter()
            .any(|s| matches!(s, TokenDecode::WordPiece { .. }))
    }

    /// The bytes of one token (`content` is its vocabulary string), in the first position of
    /// the output (`first`) or after it.
    pub fn token_bytes_at(&self, content: &str, first: bool) -> Vec<u8> {
        let mut bytes = content.as_bytes().to_vec();
        for step in &self.per_token {
            bytes = match step {
                TokenDecode::ByteLevel => {
                    match std::str::from_utf8(&bytes).ok().and_then(byte_level_decode) {
                        Some(b) => b,
                        None => bytes,
                    }
                }
                TokenDecode::Replace(from, to) => match std::str::from_utf8(&bytes) {
                    Ok(s) if !from.is_empty() => s.replace(from.as_str(), to).into_bytes(),
                    _ => bytes,
                },
                TokenDecode::ByteFallback => match parse_byte_token(&bytes) {
                    Some(b) => vec![b],
                    None => bytes,
                },
                TokenDecode::Metaspace(r) => match std::str::from_utf8(&bytes) {
                    Ok(s) => s.replace(*r, " ").into_bytes(),
                    _ => bytes,
                },
                TokenDecode::WordPiece { prefix, cleanup } => match std::str::from_utf8(&bytes) {
                    Ok(s) => {
                        let s = match s.strip_prefix(prefix.as_str()) {
                            _ if first => s.to_owned(),
                            Some(rest) => rest.to_owned(),
                            None => format!(" {s}"),
                        };
                        if *cleanup {
                            wordpiece_cleanup(&s).into_bytes()
                        } else {
                            s.into_bytes()
                        }
                    }
                    _ => bytes,
                },
            };
        }
        bytes
    }

    /// Applies the whole-output steps.
    pub fn finish(&self, mut out: Vec<u8>, first_token_len: usize) -> Vec<u8> {
        if self.strip_first_space && first_token_len > 0 && out.first() == Some(&b' ') {
            out.remove(0);
        }
        if let Some((c, start, stop)) = self.strip {
            let mut buf = [0u8; 4];
            let c = c.encode_utf8(&mut buf).as_bytes();
            let mut a = 0;
            for _ in 0..start {
                if out[a..].starts_with(c) {
                    a += c.len();
                }
            }
            let mut b = out.len();
            for _ in 0..stop {
                if out[a..b].ends_with(c) {
                    b -= c.len();
                }
            }
            out = out[a..b].to_vec();
        }
        out
    }
}

/// tokenizers' `decoders::wordpiece::cleanup`, on one token.
fn wordpiece_cleanup(s: &str) -> String {
    // Every pattern is a space and one of these: most tokens have none (and loading a
    // vocabulary runs this twice per token).
    let may_match = s
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b' ' && matches!(w[1], b'.' | b'?' | b'!' | b',' | b'\'' | b'n' | b'd'));
    if !may_match {
        return s.to_owned();
    }
    s.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" do not", " don't")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
}

/// `<0xAB>` → `0xAB`.
pub(crate) fn parse_byte_token(t: &[u8]) -> Option<u8> {
    if t.len() == 6 && t.starts_with(b"<0x") && t[5] == b'>' {
        let hex = std::str::from_utf8(&t[3..5]).ok()?;
        if hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
        {
            return u8::from_str_radix(hex, 16).ok();
        }
    }
    None
}

/// One item of a `TemplateProcessing` template.
#[derive(Debug)]
pub(crate) enum TemplateItem {
    Special(Vec<u32>),
    Sequence,
}

/// What `--add-special` adds: the post-processor's template for a single sequence.
#[derive(Debug)]
pub(crate) struct PostProcessor {
    pub template: Vec<TemplateItem>,
}

impl PostProcessor {
    pub fn apply(&self, ids: Vec<u32>) -> Vec<u32> {
        let mut out = Vec::with_capacity(ids.len() + 4);
        let mut ids = Some(ids);
        for item in &self.template {
            match item {
                TemplateItem::Special(s) => out.extend_from_slice(s),
                TemplateItem::Sequence => out.extend(ids.take().unwrap_or_default()),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_round_trip() {
        let t = byte_level_chars();
        assert_eq!(t[b' ' as usize], 'Ġ');
        assert_eq!(t[b'\n' as usize], 'Ċ');
        assert_eq!(t[b'a' as usize], 'a');
        let all: String = t.iter().collect();
        assert_eq!(
            byte_level_decode(&all).unwrap(),
            (0..=255u8).collect::<Vec<_>>()
        );
        assert_eq!(byte_level_decode("€"), None);
    }

    #[test]
    fn split_behaviors() {
        let m = [(1, 2), (2, 3)]; // "a--b": both dashes
        let run = |b, inv| {
            let mut out = vec![];
            push_splits("a--b", true, &m, b, inv, &mut out);
            out.into_iter().map(|(s, _)| s).collect::<Vec<_>>()
        };
        assert_eq!(run(Behavior::Isolated, false), ["a", "-", "-", "b"]);
        assert_eq!(run(Behavior::Removed, false), ["a", "b"]);
        assert_eq!(run(Behavior::Contiguous, false), ["a", "--", "b"]);
        assert_eq!(run(Behavior::MergedWithPrevious, false), ["a-", "-", "b"]);
        assert_eq!(run(Behavior::MergedWithNext, false), ["a", "-", "-b"]);
        assert_eq!(run(Behavior::Removed, true), ["-", "-"]);
    }

    #[test]
    fn byte_tokens() {
        assert_eq!(parse_byte_token(b"<0x0A>"), Some(10));
        assert_eq!(parse_byte_token(b"<0x0a>"), None);
        assert_eq!(parse_byte_token(b"<0x0A"), None);
    }
}
