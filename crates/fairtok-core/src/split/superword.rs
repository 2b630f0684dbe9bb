//! The hand-written splitter of `o200k_ko_sw`'s pattern ([`pattern::O200K_KO_SW`]): o200k's
//! pattern with one alternative in front,
//!
//! ```text
//! [^\r\n\p{L}\p{N}]?\p{Hangul}+(?: \p{Hangul}+){1,K}
//! ```
//!
//! a run of Hangul-script words joined by single spaces (a *superword* piece, which BPE can then
//! merge across the spaces), with o200k's optional prefix. It needs a Hangul character, so on
//! text without one the splitter is o200k's, piece for piece.
//!
//! How a backtracking engine resolves it, at position `i`:
//!
//! * the greedy prefix is tried first: if the character at `i` can be a prefix, the rest is
//!   tried from the next character, and only if that fails from `i` itself (a Hangul-script
//!   character that is not a letter, such as `㈀` or the tone mark U+302E, is both);
//! * the first `\p{Hangul}+` is the whole run: a shorter run is followed by a Hangul character,
//!   never by the space the first repetition needs;
//! * each repetition takes a space and then the whole next run, for the same reason; the greedy
//!   `{1,K}` takes up to `K` of them and stops at the first position without ` ` + Hangul;
//! * with no repetition at all the alternative fails and o200k's alternatives are tried at `i`.
//!
//! The Hangul script's ranges are read from `regex-syntax`, like the other classes of the
//! parent module, so they are exactly those of `fancy-regex`. The tests compare the splitter
//! with `fancy-regex` on generated strings (every Hangul-script category, spaces, CR/LF,
//! prefixes) and on every code point in context.

use std::cmp::Ordering;
use std::sync::OnceLock;

use super::{class_ranges, Ch, Splitter};

/// The most space-joined words after the first in one superword piece (the `K` of
/// [`pattern::O200K_KO_SW`]).
///
/// [`pattern::O200K_KO_SW`]: crate::pattern::O200K_KO_SW
pub(super) const KO_SW_MAX_EXTRA_WORDS: usize = 7;

/// The ranges of the Hangul script (`\p{Hangul}`), sorted, from `regex-syntax`.
fn hangul_ranges() -> &'static [(u32, u32)] {
    static RANGES: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    RANGES.get_or_init(|| class_ranges(r"\p{Hangul}"))
}

/// Whether the code point `c` is in the Hangul script.
#[inline(always)]
fn is_hangul(c: u32) -> bool {
    if (0xAC00..=0xD7A3).contains(&c) {
        return true; // the syllables, the common case
    }
    if c < 0x1100 {
        return false;
    }
    hangul_ranges()
        .binary_search_by(|&(a, b)| {
            if b < c {
                Ordering::Less
            } else if a > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// A Hangul-script character (not the end of the text).
#[inline(always)]
fn is_hangul_ch(ch: Ch) -> bool {
    ch.len != 0 && is_hangul(ch.c)
}

impl Splitter {
    /// `o200k_ko_sw`: the superword alternative, else o200k's pattern at `i`.
    pub(super) fn next_o200k_ko_sw(&self, s: &[u8], i: usize) -> usize {
        self.superword(s, i, KO_SW_MAX_EXTRA_WORDS)
            .unwrap_or_else(|| self.next_o200k(s, i, false))
    }

    /// `[^\r\n\p{L}\p{N}]?\p{Hangul}+(?: \p{Hangul}+){1,k}` at `i`: the end of the match, or
    /// `None` if it does not match there.
    pub(super) fn superword(&self, s: &[u8], i: usize, k: usize) -> Option<usize> {
        let c = self.at(s, i);
        if Self::is_prefix(c) {
            if let Some(e) = self.hangul_words(s, i + c.len, k) {
                return Some(e);
            }
        }
        self.hangul_words(s, i, k)
    }

    /// `\p{Hangul}+(?: \p{Hangul}+){1,k}` at `p`.
    fn hangul_words(&self, s: &[u8], p: usize, k: usize) -> Option<usize> {
        if !is_hangul_ch(self.at(s, p)) {
            return None;
        }
        let mut e = self.hangul_run(s, p);
        let mut words = 0;
        while words < k && s.get(e) == Some(&b' ') && is_hangul_ch(self.at(s, e + 1)) {
            e = self.hangul_run(s, e + 1);
            words += 1;
        }
        (words > 0).then_some(e)
    }

    /// End of the run of Hangul-script characters starting at `i`.
    fn hangul_run(&self, s: &[u8], mut i: usize) -> usize {
        loop {
            let ch = self.at(s, i);
            if !is_hangul_ch(ch) {
                return i;
            }
            i += ch.len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern;
    use crate::split::tests::{fancy, fast, random_strings_of};

    /// Hangul of every category (syllables, jamo, compatibility and halfwidth jamo, the filler,
    /// tone marks, parenthesized and circled symbols, `ㆍ`), the characters around it in
    /// Korean text, and the classes o200k's alternatives care about.
    const ALPHABET: &[char] = &[
        '가', '한', '국', '다', 'ᄀ', 'ᅡ', 'ᆨ', 'ㄱ', 'ㅏ', 'ㆍ', 'ힰ', 'ꥠ', 'ﾡ', '\u{3164}',
        '\u{302e}', '\u{302f}', '㈀', '㉠', ' ', ' ', ' ', ' ', ' ', '\t', '\n', '\r', '\u{a0}',
        '\u{3000}', '.', ',', '(', '"', '\'', '/', '-', 'a', 's', 'K', 'B', 'ſ', '0', '7', '²',
        '日', 'の', '\u{301}', '😀',
    ];

    fn pair() -> (Splitter, fancy_regex::Regex) {
        (
            Splitter::for_pattern(pattern::O200K_KO_SW).unwrap(),
            fancy_regex::Regex::new(pattern::O200K_KO_SW).unwrap(),
        )
    }

    #[test]
    fn the_pattern_is_the_superword_alternative_then_o200k() {
        let want = format!(
            r"[^\r\n\p{{L}}\p{{N}}]?\p{{Hangul}}+(?: \p{{Hangul}}+){{1,{KO_SW_MAX_EXTRA_WORDS}}}|{}",
            pattern::O200K
        );
        assert_eq!(pattern::O200K_KO_SW, want);
    }

    #[test]
    fn o200k_ko_sw_matches_fancy_regex() {
        let (sp, re) = pair();
        for text in random_strings_of(ALPHABET, 5, 100_000, 32) {
            assert_eq!(fast(&sp, &text), fancy(&re, &text), "{text:?}");
        }
    }

    #[test]
    fn every_code_point_in_hangul_context() {
        let (sp, re) = pair();
        let mut text = String::new();
        for cp in (0u32..0x110000).step_by(3).filter_map(char::from_u32) {
            text.clear();
            for part in [" ", "가 ", "\n", "나", " 다 ", "라", "마", " ", "\n"] {
                text.push(cp);
                text.push_str(part);
            }
            assert_eq!(fast(&sp, &text), fancy(&re, &text), "{text:?}");
        }
    }

    #[test]
    fn every_hangul_range_boundary() {
        let (sp, re) = pair();
        for &(a, b) in hangul_ranges() {
            for cp in [a.saturating_sub(1), a, b, b + 1] {
                let Some(c) = char::from_u32(cp) else {
                    continue;
                };
                let text = format!("{c}{c} {c} 가 {c}. {c}가 {c}a {c}");
                assert_eq!(fast(&sp, &text), fancy(&re, &text), "{text:?}");
            }
        }
    }

    #[test]
    fn without_hangul_it_splits_as_o200k() {
        let sw = Splitter::for_pattern(pattern::O200K_KO_SW).unwrap();
        let o200k = Splitter::for_pattern(pattern::O200K).unwrap();
        let plain: Vec<char> = ALPHABET
            .iter()
            .copied()
            .filter(|&c| !is_hangul(c as u32))
            .collect();
        assert!(plain.len() < ALPHABET.len() - 10);
        for text in random_strings_of(&plain, 6, 50_000, 32) {
            assert_eq!(fast(&sw, &text), fast(&o200k, &text), "{text:?}");
        }
    }

    #[test]
    fn superword_pieces() {
        let sp = Splitter::for_pattern(pattern::O200K_KO_SW).unwrap();
        let text = "할 수 있다고 밝혔다. 서울(Seoul)에서 KBS는 \"한국 사람 모두 다 함께\" 말했다";
        let pieces: Vec<&str> = fast(&sp, text).iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(
            pieces,
            [
                "할 수 있다고 밝혔다",
                ".",
                " 서울",
                "(Seoul",
                ")에서",
                " KBS는",
                " \"",
                "한국 사람 모두 다 함께",
                "\"",
                " 말했다"
            ]
        );
        // At most eight words: the ninth starts a piece of its own.
        let text = "가 나 다 라 마 바 사 아 자 차";
        let pieces: Vec<&str> = fast(&sp, text).iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(pieces, ["가 나 다 라 마 바 사 아", " 자 차"]);
    }
}
