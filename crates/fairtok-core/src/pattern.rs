//! Pre-tokenizer patterns and the regex engines that run them.
//!
//! Each reference library splits text with its own engine, and fairtok uses the same one so that
//! the pieces are the same by construction:
//!
//! * tiktoken (`.tiktoken` files and the built-ins) runs its pattern with `fancy-regex`, a
//!   backtracking engine on top of the `regex` crate's Unicode tables. [`Regex::tiktoken`].
//! * Hugging Face tokenizers runs `Split` and `ByteLevel` patterns with Oniguruma (the `onig`
//!   crate, Ruby syntax). [`Regex::oniguruma`].
//!
//! The patterns of the well-known tokenizers are constants here, exactly as their owners publish
//! them.
//!
//! Special and added tokens are found with [`literal_matcher`], whose build is linear in the
//! tokens' total length (a DFA only for sets of at most [`DFA_MAX_BYTES`] bytes).

use crate::error::{Error, Result};
use crate::split::Splitter;

/// Literal sets of at most this many bytes in all are matched with a DFA; larger ones with a
/// contiguous NFA. aho-corasick's DFA build is quadratic in the length of a long literal (a
/// 100 KB added token took 50 s), the NFA's is linear.
pub const DFA_MAX_BYTES: usize = 4096;

/// A leftmost-longest matcher of the literal strings `pats` (special or added tokens), built
/// in time linear in their total length.
pub fn literal_matcher<I, P>(pats: I) -> Result<aho_corasick::AhoCorasick, aho_corasick::BuildError>
where
    I: IntoIterator<Item = P> + Clone,
    P: AsRef<[u8]>,
{
    let total: usize = pats.clone().into_iter().map(|p| p.as_ref().len()).sum();
    let kind = if total <= DFA_MAX_BYTES {
        aho_corasick::AhoCorasickKind::DFA
    } else {
        aho_corasick::AhoCorasickKind::ContiguousNFA
    };
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .kind(Some(kind))
        .build(pats)
}

/// cl100k_base (GPT-4, GPT-3.5), with tiktoken's possessive quantifiers.
pub const CL100K: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

/// o200k_base (GPT-4o, GPT-4.1, o1, o3, ...): the seven alternatives tiktoken joins with `|`.
pub const O200K: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
    r"|\s+(?!\S)",
    r"|\s+",
);

/// `o200k_ko_sw` (fairtok's Korean superword built-in): o200k's pattern, unchanged, behind one
/// alternative that joins up to eight Hangul-script words separated by single spaces into one
/// piece, `[^\r\n\p{L}\p{N}]?\p{Hangul}+(?: \p{Hangul}+){1,7}`. That alternative needs a
/// Hangul character, so text without one splits exactly as under [`O200K`].
pub const O200K_KO_SW: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?\p{Hangul}+(?: \p{Hangul}+){1,7}",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
    r"|\s+(?!\S)",
    r"|\s+",
);

/// Mistral tekken (`config.pattern` of `tekken_240911.json`): o200k's without the contractions
/// and with one digit per piece.
pub const TEKKEN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*",
    r"|\p{N}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
    r"|\s+(?!\S)",
    r"|\s+",
);

/// r50k_base and p50k_base (GPT-2, GPT-3, Codex).
pub const R50K: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";

/// Llama 3 (the older cl100k form, without possessive quantifiers).
pub const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen 2 / 2.5 / 3: Llama 3's pattern with one digit per piece.
pub const QWEN3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The GPT-2 pattern that Hugging Face's `ByteLevel` pre-tokenizer uses when `use_regex` is true.
pub const HF_BYTE_LEVEL: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Pattern names accepted by `--pattern`, with their pattern.
pub const NAMED: &[(&str, &str)] = &[
    ("cl100k", CL100K),
    ("o200k", O200K),
    ("r50k", R50K),
    ("p50k", R50K),
    ("llama3", LLAMA3),
    ("qwen3", QWEN3),
];

/// Resolves a pattern name (`cl100k`, `o200k`, `r50k`, `p50k`, `llama3`, `qwen3`, also with a
/// `_base` suffix) to its pattern; anything else is taken as a regular expression itself.
pub fn resolve(name_or_regex: &str) -> &str {
    let key = name_or_regex.strip_suffix("_base").unwrap_or(name_or_regex);
    NAMED
        .iter()
        .find(|(n, _)| *n == key)
        .map(|(_, p)| *p)
        .unwrap_or(name_or_regex)
}

/// A compiled pre-tokenizer, in the engine of the reference library (or an exact, faster
/// equivalent of it).
#[derive(Debug)]
pub struct Regex {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    /// tiktoken's engine.
    Fancy(fancy_regex::Regex),
    /// Hugging Face tokenizers' engine, and the pattern (for error messages).
    Onig(onig::Regex, String),
    /// A hand-written splitter with exactly the pieces `fancy-regex` finds for a built-in
    /// pattern (see the `split` module).
    Builtin(Splitter),
}

impl Regex {
    /// Compiles `pattern` as tiktoken does. The built-in patterns ([`CL100K`], [`O200K`],
    /// [`TEKKEN`],
    /// [`R50K`]) get a hand-written splitter that finds exactly the same pieces, in linear time.
    pub fn tiktoken(pattern: &str) -> Result<Regex> {
        if let Some(sp) = Splitter::for_pattern(pattern) {
            return Ok(Regex {
                inner: Inner::Builtin(sp),
            });
        }
        Regex::fancy(pattern)
    }

    /// Compiles `pattern` with `fancy-regex` only (no hand-written splitter).
    pub fn fancy(pattern: &str) -> Result<Regex> {
        fancy_regex::RegexBuilder::new(pattern)
            // tiktoken keeps fancy-regex's default limit and panics past it; fairtok allows far
            // more backtracking and reports an error instead of panicking.
            .backtrack_limit(100_000_000)
            .build()
            .map(|re| Regex {
                inner: Inner::Fancy(re),
            })
            .map_err(|e| Error::Pattern {
                pattern: pattern.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Compiles `pattern` as Hugging Face tokenizers does (Oniguruma, Ruby syntax).
    pub fn oniguruma(pattern: &str) -> Result<Regex> {
        onig::Regex::new(pattern)
            .map(|re| Regex {
                inner: Inner::Onig(re, pattern.to_owned()),
            })
            .map_err(|e| Error::Pattern {
                pattern: pattern.to_owned(),
                reason: e.description().to_owned(),
            })
    }

    /// Refuses a pattern that matches the empty string: an empty piece has no tokens, and BPE
    /// needs at least one byte. The check runs the pattern over a short probe text of letters,
    /// digits, punctuation, spaces, newlines and Hangul, and over the empty text; a pattern that
    /// matches empty there (`''`, `x*`, `a|`, ...) is an [`Error::InvalidOption`] for
    /// [`Setting::Pattern`](crate::Setting::Pattern).
    pub fn refuse_empty_matches(&self, pattern: &str) -> Result<()> {
        const PROBE: &str = "Hello, World! it's 2024.\n\t  ab_c=1;\r\n한국어 テキスト x\u{300} ";
        for text in ["", PROBE] {
            let mut empty = None;
            self.for_each_match(text, |s, e| {
                if s == e && empty.is_none() {
                    empty = Some(s);
                }
            })?;
            if let Some(at) = empty {
                return Err(Error::invalid(
                    crate::Setting::Pattern,
                    format!(
                        "{pattern:?} matches the empty string (at byte {at} of {text:?}); \
                         a pre-tokenizer pattern must match at least one character"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether this is a hand-written splitter for a built-in pattern.
    pub fn is_builtin_splitter(&self) -> bool {
        matches!(self.inner, Inner::Builtin(_))
    }

    /// Whether a piece always ends right before any letter that follows a line feed, so that
    /// the text can be cut there and split in parts with the same result (true for the
    /// built-in splitters, whose patterns never let a piece continue from `\n` into a letter).
    pub(crate) fn cuts_before_line_start_letters(&self) -> bool {
        self.is_builtin_splitter()
    }

    /// Whether the character at byte `i` of `text` is a letter (`\p{L}`) in the splitter's
    /// own tables (false for engines without a hand-written splitter).
    pub(crate) fn starts_letter(&self, text: &str, i: usize) -> bool {
        match &self.inner {
            Inner::Builtin(sp) => sp.is_letter_at(text.as_bytes(), i),
            _ => false,
        }
    }

    /// Calls `f(start, end)` for each successive non-overlapping match in `text`, left to right.
    pub fn for_each_match(&self, text: &str, mut f: impl FnMut(usize, usize)) -> Result<()> {
        match &self.inner {
            Inner::Builtin(sp) => sp.for_each_piece(text, f),
            Inner::Fancy(re) => {
                for m in re.find_iter(text) {
                    let m = m.map_err(|e| Error::Pretokenize {
                        offset: 0,
                        reason: e.to_string(),
                    })?;
                    f(m.start(), m.end());
                }
            }
            Inner::Onig(re, pattern) => onig_matches(re, pattern, text, f)?,
        }
        Ok(())
    }
}

/// `onig::Regex::find_iter`, which panics when Oniguruma gives up (its retry limit), as a loop
/// that returns [`Error::Pretokenize`] instead; the matches are the same.
fn onig_matches(
    re: &onig::Regex,
    pattern: &str,
    text: &str,
    mut f: impl FnMut(usize, usize),
) -> Result<()> {
    let mut region = onig::Region::new();
    let (mut last_end, mut last_match_end) = (0, None);
    while last_end <= text.len() {
        region.clear();
        let found = re
            .search_with_param(
                text,
                last_end,
                text.len(),
                onig::SearchOptions::SEARCH_OPTION_NONE,
                Some(&mut region),
                onig::MatchParam::default(),
            )
            .map_err(|e| Error::Pretokenize {
                offset: last_end,
                reason: format!("regex {pattern:?}: {}", e.description()),
            })?;
        if found.is_none() {
            break;
        }
        let (s, e) = region.pos(0).expect("a match has group 0");
        // An empty match right after the previous match is skipped (no infinite loop).
        if s == e && last_match_end == Some(e) {
            last_end += text[last_end..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        last_end = e;
        last_match_end = Some(e);
        f(s, e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(re: &Regex, text: &str) -> Vec<String> {
        let mut out = vec![];
        re.for_each_match(text, |s, e| out.push(text[s..e].to_owned()))
            .unwrap();
        out
    }

    #[test]
    fn all_named_patterns_compile_in_both_engines() {
        for (name, p) in NAMED {
            Regex::tiktoken(p).unwrap_or_else(|e| panic!("{name}: {e}"));
            Regex::fancy(p).unwrap_or_else(|e| panic!("{name}: {e}"));
            if !p.contains("++") && !p.contains("?+") && !p.contains("}+") {
                Regex::oniguruma(p).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
        Regex::oniguruma(HF_BYTE_LEVEL).unwrap();
    }

    #[test]
    fn whitespace_before_newline_and_words() {
        let re = Regex::tiktoken(CL100K).unwrap();
        // `\s*[\r\n]` takes the spaces with the newline; `\s+(?!\S)` leaves one space for the word.
        assert_eq!(pieces(&re, "a  \n  b"), ["a", "  \n", " ", " b"]);
        assert_eq!(pieces(&re, "x   "), ["x", "   "]);
    }

    #[test]
    fn contractions_and_digit_groups() {
        let re = Regex::tiktoken(CL100K).unwrap();
        assert_eq!(pieces(&re, "I'M here"), ["I", "'M", " here"]);
        assert_eq!(pieces(&re, "1234567"), ["123", "456", "7"]);
        let re = Regex::tiktoken(O200K).unwrap();
        assert_eq!(pieces(&re, "don't 12345"), ["don't", " ", "123", "45"]);
        assert_eq!(pieces(&re, "HelloWorld"), ["Hello", "World"]);
        let re = Regex::oniguruma(QWEN3).unwrap();
        assert_eq!(pieces(&re, "2024"), ["2", "0", "2", "4"]);
    }

    #[test]
    fn oniguruma_giving_up_is_an_error_not_a_panic() {
        let re = Regex::oniguruma("(a+)+$").unwrap();
        let text = format!("{}b", "a".repeat(31));
        let e = re.for_each_match(&text, |_, _| {}).unwrap_err();
        assert!(matches!(e, Error::Pretokenize { offset: 0, .. }), "{e}");
        assert!(e.to_string().contains("(a+)+$"), "{e}");
        // Empty matches advance as in `find_iter`.
        let re = Regex::oniguruma("x*").unwrap();
        let mut got = vec![];
        re.for_each_match("axxb", |s, e| got.push((s, e))).unwrap();
        let want: Vec<_> = onig::Regex::new("x*").unwrap().find_iter("axxb").collect();
        assert_eq!(got, want);
    }

    #[test]
    fn resolve_names() {
        assert_eq!(resolve("o200k_base"), O200K);
        assert_eq!(resolve("p50k"), R50K);
        assert_eq!(resolve(r"\w+"), r"\w+");
    }
}
