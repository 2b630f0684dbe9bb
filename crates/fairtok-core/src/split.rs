//! Hand-written pre-tokenizers for the built-in patterns (cl100k, o200k, r50k/p50k), Mistral
//! tekken's (o200k's without contractions, one digit per piece) and `o200k_ko_sw`'s (o200k's
//! with a Hangul superword alternative in front, in the [`superword`] submodule).
//!
//! tiktoken spends most of its time in the regex engine. These splitters do the same job in one
//! left-to-right pass, with **exactly** the pieces `fancy-regex` finds for the pattern:
//!
//! * **Same semantics.** Each splitter tries the pattern's alternatives in order at the current
//!   position, and resolves each greedy quantifier the way a backtracking engine does (the
//!   derivation is written beside each alternative). Every character is a letter (`\p{L}`), a
//!   number (`\p{N}`), white space (`\s`) or "other", so some alternative always matches and the
//!   splitter never stalls.
//! * **Same Unicode tables.** The character classes (`\s`, `\p{L}`, `\p{N}`, `\p{Lu}`, `\p{Ll}`,
//!   `\p{Lt}`, `\p{Lm}`, `\p{Lo}`, `\p{M}`) and the case-insensitive letters of the contractions
//!   are read from `regex-syntax`, the crate whose tables `fancy-regex` itself uses, when the
//!   first splitter is built.
//! * **Linear time.** Every alternative scans forward from the current position over runs it
//!   then consumes (or, for the few that backtrack, over one run of white space or letters that
//!   the next match starts inside). Total work is `O(n)` in the text length.
//!
//! * **ASCII first.** The o200k and cl100k splitters take a piece that starts with an ASCII
//!   byte on a fast path (`split/fast.rs`: words, numbers, punctuation, white space) and fall
//!   back to the general path wherever a byte outside ASCII could change the piece.
//!
//! The test module compares every splitter with `fancy-regex` on generated strings from the
//! classes that matter (including marks, title case, `ſ`, CR/LF runs and lone spaces), and on
//! mostly-ASCII strings for the fast paths.

use std::sync::OnceLock;

use regex_syntax::hir::{Class, HirKind};

use crate::pattern;

mod fast;
mod superword;
use fast::{ascii_cl100k_word, ascii_o200k_word, hangul_word};

const WS: u16 = 1;
const L: u16 = 2;
const N: u16 = 4;
const LU: u16 = 8;
const LL: u16 = 16;
const LT: u16 = 32;
const LM: u16 = 64;
const LO: u16 = 128;
const M: u16 = 256;
/// Folds to `s` under case-insensitive matching (`s`, `S`, `ſ`), and so on for the letters
/// of the contractions.
const FOLD_S: u16 = 1 << 9;
const FOLD_T: u16 = 1 << 10;
const FOLD_D: u16 = 1 << 11;
const FOLD_M: u16 = 1 << 12;
const FOLD_L: u16 = 1 << 13;
const FOLD_V: u16 = 1 << 14;
const FOLD_E: u16 = 1 << 15;
/// `r` is the only contraction letter left; it gets its own table entry below.
/// o200k's "upper" class `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` and "lower" class
/// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
const UPPER: u16 = LU | LT | LM | LO | M;
const LOWER: u16 = LL | LM | LO | M;

/// Character classes of every code point, as a two-level table (blocks of 256, deduplicated).
struct Classes {
    index: Vec<u16>,
    blocks: Vec<[u16; 256]>,
    fold_r: Vec<char>,
    /// The flags of the ASCII characters, for the fast paths (`split/fast.rs`).
    ascii: [u16; 128],
}

fn class_ranges(re: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::parse(re).expect("a valid class");
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        HirKind::Literal(lit) => {
            let c = std::str::from_utf8(&lit.0).unwrap().chars().next().unwrap() as u32;
            vec![(c, c)]
        }
        other => panic!("unexpected class {other:?} for {re}"),
    }
}

fn classes() -> &'static Classes {
    static CLASSES: OnceLock<Classes> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let mut flat = vec![0u16; 0x110000];
        let sets: [(&str, u16); 16] = [
            (r"\s", WS),
            (r"\p{L}", L),
            (r"\p{N}", N),
            (r"\p{Lu}", LU),
            (r"\p{Ll}", LL),
            (r"\p{Lt}", LT),
            (r"\p{Lm}", LM),
            (r"\p{Lo}", LO),
            (r"\p{M}", M),
            ("(?i:s)", FOLD_S),
            ("(?i:t)", FOLD_T),
            ("(?i:d)", FOLD_D),
            ("(?i:m)", FOLD_M),
            ("(?i:l)", FOLD_L),
            ("(?i:v)", FOLD_V),
            ("(?i:e)", FOLD_E),
        ];
        for (re, bit) in sets {
            for (a, b) in class_ranges(re) {
                for f in &mut flat[a as usize..=b as usize] {
                    *f |= bit;
                }
            }
        }
        let fold_r = class_ranges("(?i:r)")
            .into_iter()
            .flat_map(|(a, b)| (a..=b).filter_map(char::from_u32))
            .collect();
        let mut index = Vec::with_capacity(0x1100);
        let mut blocks: Vec<[u16; 256]> = vec![];
        let mut seen = rustc_hash::FxHashMap::default();
        for chunk in flat.chunks(256) {
            let block: [u16; 256] = chunk.try_into().unwrap();
            let id = *seen.entry(block).or_insert_with(|| {
                blocks.push(block);
                blocks.len() - 1
            });
            index.push(id as u16);
        }
        Classes {
            index,
            blocks,
            fold_r,
            ascii: flat[..128].try_into().expect("128 flags"),
        }
    })
}

/// Which built-in pattern a splitter implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Cl100k,
    O200k,
    R50k,
    Tekken,
    /// o200k's with the Hangul superword alternative in front ([`superword`]).
    O200kKoSw,
}

/// A pre-tokenizer for one of the built-in patterns.
#[derive(Clone)]
pub(crate) struct Splitter {
    kind: Kind,
    classes: &'static Classes,
}

impl std::fmt::Debug for Splitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Splitter({:?})", self.kind)
    }
}

/// A run of white space scanned from the start of a piece: where it ends, its last CR or LF,
/// where its last character starts, how many characters it has, and the first one's length.
struct WsRun {
    end: usize,
    last_nl: Option<usize>,
    last_start: usize,
    count: usize,
    first_len: usize,
}

impl WsRun {
    /// The end of the piece the white-space alternatives make of this run, which starts at `i`
    /// in a text of `len` bytes. `crlf` is `\s*[\r\n]` (cl100k) or `\s*[\r\n]+` (o200k), which
    /// both end right after the run's last CR or LF; then `\s+(?!\S)`, then `\s` (`last_single`)
    /// or `\s+`. At the end of the text: cl100k/r50k's `\s++$`, or o200k's alternatives.
    fn piece_end(&self, i: usize, len: usize, crlf: bool, last_single: bool) -> usize {
        if self.end == len {
            // `\s++$` (cl100k, r50k), or `\s*[\r\n]+` / `\s+(?!\S)` taking the whole run (o200k).
            if crlf && !last_single {
                // o200k: `\s*[\r\n]+` comes first and stops after the last CR/LF.
                if let Some(k) = self.last_nl {
                    return k + 1;
                }
            }
            return self.end;
        }
        if crlf {
            if let Some(k) = self.last_nl {
                return k + 1;
            }
        }
        if self.count >= 2 {
            return self.last_start; // `\s+(?!\S)` gives back the last white-space character
        }
        if last_single {
            i + self.first_len // `\s`
        } else {
            self.end // `\s+` (a run of one)
        }
    }
}

/// A decoded character: its code point, class flags and UTF-8 length. At the end of the text,
/// `len` is 0 and `flags` is 0.
#[derive(Clone, Copy)]
struct Ch {
    c: u32,
    flags: u16,
    len: usize,
}

impl Splitter {
    /// The splitter for `pattern`, if it is exactly one of the built-in patterns.
    pub fn for_pattern(pattern: &str) -> Option<Splitter> {
        let kind = if pattern == pattern::CL100K {
            Kind::Cl100k
        } else if pattern == pattern::O200K {
            Kind::O200k
        } else if pattern == pattern::R50K {
            Kind::R50k
        } else if pattern == pattern::TEKKEN {
            Kind::Tekken
        } else if pattern == pattern::O200K_KO_SW {
            Kind::O200kKoSw
        } else {
            return None;
        };
        Some(Splitter {
            kind,
            classes: classes(),
        })
    }

    #[inline(always)]
    fn at(&self, s: &[u8], i: usize) -> Ch {
        let Some(&b) = s.get(i) else {
            return Ch {
                c: 0,
                flags: 0,
                len: 0,
            };
        };
        let (c, len) = if b < 0x80 {
            (b as u32, 1)
        } else if b < 0xE0 {
            (((b as u32 & 0x1F) << 6) | (s[i + 1] as u32 & 0x3F), 2)
        } else if b < 0xF0 {
            (
                ((b as u32 & 0x0F) << 12)
                    | ((s[i + 1] as u32 & 0x3F) << 6)
                    | (s[i + 2] as u32 & 0x3F),
                3,
            )
        } else {
            (
                ((b as u32 & 0x07) << 18)
                    | ((s[i + 1] as u32 & 0x3F) << 12)
                    | ((s[i + 2] as u32 & 0x3F) << 6)
                    | (s[i + 3] as u32 & 0x3F),
                4,
            )
        };
        let cl = self.classes;
        let flags = cl.blocks[cl.index[(c >> 8) as usize] as usize][(c & 0xFF) as usize];
        Ch { c, flags, len }
    }

    /// End of the maximal run starting at `i` of characters having any of `mask`.
    #[inline(always)]
    fn run(&self, s: &[u8], mut i: usize, mask: u16) -> usize {
        loop {
            let ch = self.at(s, i);
            if ch.flags & mask == 0 {
                return i;
            }
            i += ch.len;
        }
    }

    /// "Other": not white space, letter or number (`[^\s\p{L}\p{N}]`). Not true at the end.
    #[inline(always)]
    fn is_other(ch: Ch) -> bool {
        ch.len != 0 && ch.flags & (WS | L | N) == 0
    }

    /// End of the run of characters that are neither white space, letters nor numbers.
    #[inline(always)]
    fn run_other(&self, s: &[u8], mut i: usize) -> usize {
        loop {
            let ch = self.at(s, i);
            if !Self::is_other(ch) {
                return i;
            }
            i += ch.len;
        }
    }

    /// `[^\r\n\p{L}\p{N}]`: the optional prefix of a word.
    #[inline(always)]
    fn is_prefix(ch: Ch) -> bool {
        ch.len != 0 && ch.flags & (L | N) == 0 && ch.c != b'\r' as u32 && ch.c != b'\n' as u32
    }

    fn is_r(&self, ch: Ch) -> bool {
        ch.len != 0 && char::from_u32(ch.c).is_some_and(|c| self.classes.fold_r.contains(&c))
    }

    /// After an apostrophe at `i`: `(?i:[sdmt]|ll|ve|re)` (cl100k, and o200k's
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)` which is the same set) or the case-sensitive r50k form.
    /// Returns the end of the contraction.
    fn contraction(&self, s: &[u8], i: usize, case_insensitive: bool) -> Option<usize> {
        if s.get(i) != Some(&b'\'') {
            return None;
        }
        let a = self.at(s, i + 1);
        if a.len == 0 {
            return None;
        }
        let b = self.at(s, i + 1 + a.len);
        if case_insensitive {
            if a.flags & (FOLD_S | FOLD_D | FOLD_M | FOLD_T) != 0 {
                return Some(i + 1 + a.len);
            }
            let two = (a.flags & FOLD_L != 0 && b.flags & FOLD_L != 0)
                || (a.flags & FOLD_V != 0 && b.flags & FOLD_E != 0)
                || (self.is_r(a) && b.flags & FOLD_E != 0);
            two.then_some(i + 1 + a.len + b.len)
        } else {
            match (a.c as u8, b.c as u8) {
                _ if a.c > 0x7F => None,
                (b's' | b'd' | b'm' | b't', _) => Some(i + 2),
                (b'l', b'l') | (b'v', b'e') | (b'r', b'e') if b.c < 0x80 => Some(i + 3),
                _ => None,
            }
        }
    }

    /// The white-space alternatives, at `i` where a white-space run starts (see
    /// [`WsRun::piece_end`] for `crlf` and `last_single`).
    fn whitespace(&self, s: &[u8], i: usize, crlf: bool, last_single: bool) -> usize {
        // Scan the run once, noting the last CR/LF and the start of the last character.
        let mut run = WsRun {
            first_len: self.at(s, i).len,
            end: i,
            last_nl: None,
            last_start: i,
            count: 0,
        };
        loop {
            let ch = self.at(s, run.end);
            if ch.flags & WS == 0 {
                break;
            }
            if ch.c == b'\n' as u32 || ch.c == b'\r' as u32 {
                run.last_nl = Some(run.end);
            }
            run.last_start = run.end;
            run.count += 1;
            run.end += ch.len;
        }
        run.piece_end(i, s.len(), crlf, last_single)
    }

    /// The end of the piece that starts at `i` (`i < s.len()`).
    fn next_end(&self, s: &[u8], i: usize) -> usize {
        match self.kind {
            Kind::Cl100k => self.next_cl100k(s, i),
            Kind::O200k => self.next_o200k(s, i, false),
            Kind::R50k => self.next_r50k(s, i),
            Kind::Tekken => self.next_o200k(s, i, true),
            Kind::O200kKoSw => self.next_o200k_ko_sw(s, i),
        }
    }

    /// cl100k: `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|
    /// ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
    fn next_cl100k(&self, s: &[u8], i: usize) -> usize {
        if let Some(e) = self.contraction(s, i, true) {
            return e;
        }
        if let Some(e) = ascii_cl100k_word(s, i) {
            return e;
        }
        if s[i] < 0x80 && s.get(i + 1).is_none_or(|&b| b < 0x80) {
            if let Some(e) = self.ascii_rest(s, i, &fast::CL100K) {
                return e;
            }
        }
        if let Some(e) = hangul_word(s, i) {
            return e;
        }
        let c = self.at(s, i);
        // `[^\r\n\p{L}\p{N}]?+\p{L}++`: possessive, so a prefix not followed by a letter fails.
        if c.flags & L != 0 {
            return self.run(s, i, L);
        }
        if Self::is_prefix(c) && self.at(s, i + c.len).flags & L != 0 {
            return self.run(s, i + c.len, L);
        }
        // `\p{N}{1,3}+`
        if c.flags & N != 0 {
            return self.up_to_three_numbers(s, i);
        }
        // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`
        if let Some(e) = self.space_other_run(s, i, c, b"\r\n") {
            return e;
        }
        self.whitespace(s, i, true, true)
    }

    /// r50k/p50k: `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|
    /// \s+(?!\S)|\s`
    fn next_r50k(&self, s: &[u8], i: usize) -> usize {
        if let Some(e) = self.contraction(s, i, false) {
            return e;
        }
        let c = self.at(s, i);
        // ` ?X++` for X in letters, numbers, other: the space is taken only if X follows.
        let (p, ch) = if c.c == b' ' as u32 {
            let n = self.at(s, i + 1);
            if n.len != 0 && n.flags & WS == 0 {
                (i + 1, n)
            } else {
                (i, c)
            }
        } else {
            (i, c)
        };
        if ch.flags & L != 0 {
            return self.run(s, p, L);
        }
        if ch.flags & N != 0 {
            return self.run(s, p, N);
        }
        if Self::is_other(ch) {
            return self.run_other(s, p);
        }
        self.whitespace(s, i, false, true)
    }

    /// o200k: `X?U*W+C?|X?U+W*C?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// with X = `[^\r\n\p{L}\p{N}]`, U = `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`,
    /// W = `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`, C = `(?i:'s|'t|'re|'ve|'m|'ll|'d)`.
    /// `tekken`: Mistral tekken's `X?U*W+|X?U+W*|\p{N}|...` (the rest the same), without C and
    /// with one number per piece.
    fn next_o200k(&self, s: &[u8], i: usize, tekken: bool) -> usize {
        // The optional contraction `C?` after a word.
        let c_opt = |e: usize| {
            if tekken || s.get(e) != Some(&b'\'') {
                e
            } else {
                self.contraction(s, e, true).unwrap_or(e)
            }
        };
        if let Some(e) = ascii_o200k_word(s, i) {
            return c_opt(e);
        }
        // (A byte outside ASCII after the first always sends `ascii_rest` to the general path.)
        if s[i] < 0x80 && s.get(i + 1).is_none_or(|&b| b < 0x80) {
            let rest = if tekken { &fast::TEKKEN } else { &fast::O200K };
            if let Some(e) = self.ascii_rest(s, i, rest) {
                return e;
            }
        }
        if let Some(e) = hangul_word(s, i).or_else(|| self.both_class_word(s, i)) {
            return c_opt(e);
        }
        let c = self.at(s, i);
        let prefix = Self::is_prefix(c);
        // Alternative 1, with the prefix (greedy `?` tries it first), then without.
        if prefix {
            if let Some(e) = self.upper_star_lower_plus(s, i + c.len) {
                return c_opt(e);
            }
        }
        if let Some(e) = self.upper_star_lower_plus(s, i) {
            return c_opt(e);
        }
        // Alternative 2.
        if prefix {
            if let Some(e) = self.upper_plus_lower_star(s, i + c.len) {
                return c_opt(e);
            }
        }
        if let Some(e) = self.upper_plus_lower_star(s, i) {
            return c_opt(e);
        }
        // `\p{N}{1,3}` (tekken: `\p{N}`)
        if c.flags & N != 0 {
            return if tekken {
                i + c.len
            } else {
                self.up_to_three_numbers(s, i)
            };
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        if let Some(e) = self.space_other_run(s, i, c, b"\r\n/") {
            return e;
        }
        self.whitespace(s, i, true, false)
    }

    /// `\p{N}{1,3}` at `i` (a number starts there): up to three numbers.
    fn up_to_three_numbers(&self, s: &[u8], i: usize) -> usize {
        let mut j = i;
        for _ in 0..3 {
            let d = self.at(s, j);
            if d.flags & N == 0 {
                break;
            }
            j += d.len;
        }
        j
    }

    /// ` ?[^\s\p{L}\p{N}]+[TAIL]*` at `i` (whose character is `c`): an optional space, a run of
    /// "other" characters, then any of the bytes in `tail`. `None` if no "other" run starts at
    /// `i` or right after a space there.
    fn space_other_run(&self, s: &[u8], i: usize, c: Ch, tail: &[u8]) -> Option<usize> {
        let p = if c.c == b' ' as u32 && Self::is_other(self.at(s, i + 1)) {
            i + 1
        } else if Self::is_other(c) {
            i
        } else {
            return None;
        };
        let mut j = self.run_other(s, p);
        while s.get(j).is_some_and(|b| tail.contains(b)) {
            j += 1;
        }
        Some(j)
    }

    /// `U*W+` at `p`: greedy `U*` backs off to the last position (up to and including the first
    /// character after the U-run) that starts a `W`; then `W+` runs as far as it can.
    fn upper_star_lower_plus(&self, s: &[u8], p: usize) -> Option<usize> {
        let mut q = p;
        let mut last_lower = None;
        loop {
            let ch = self.at(s, q);
            if ch.flags & LOWER != 0 {
                last_lower = Some(q);
            }
            if ch.flags & UPPER == 0 {
                break;
            }
            q += ch.len;
        }
        last_lower.map(|k| self.run(s, k, LOWER))
    }

    /// `U+W*` at `p`.
    fn upper_plus_lower_star(&self, s: &[u8], p: usize) -> Option<usize> {
        if self.at(s, p).flags & UPPER == 0 {
            return None;
        }
        let e = self.run(s, p, UPPER);
        Some(self.run(s, e, LOWER))
    }

    /// Whether the character at byte `i` is a letter (`\p{L}`).
    pub fn is_letter_at(&self, s: &[u8], i: usize) -> bool {
        self.at(s, i).flags & L != 0
    }

    /// Calls `f(start, end)` for each piece of `text`, in order; the pieces cover the text.
    #[inline]
    pub fn for_each_piece(&self, text: &str, mut f: impl FnMut(usize, usize)) {
        let s = text.as_bytes();
        let mut i = 0;
        while i < s.len() {
            let e = self.next_end(s, i);
            debug_assert!(e > i);
            f(i, e);
            i = e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces fancy-regex finds (the reference of every splitter's tests).
    pub(super) fn fancy(re: &fancy_regex::Regex, text: &str) -> Vec<(usize, usize)> {
        re.find_iter(text)
            .map(|m| m.unwrap())
            .map(|m| (m.start(), m.end()))
            .collect()
    }

    /// The pieces a hand-written splitter finds.
    pub(super) fn fast(sp: &Splitter, text: &str) -> Vec<(usize, usize)> {
        let mut v = vec![];
        sp.for_each_piece(text, |a, b| v.push((a, b)));
        v
    }

    /// Characters that exercise every branch: each class, CR/LF, apostrophes, folds, marks.
    const ALPHABET: &[char] = &[
        'a',
        'b',
        'e',
        'l',
        'r',
        's',
        't',
        'v',
        'd',
        'm',
        'A',
        'S',
        'E',
        'L',
        'R',
        'T',
        'V',
        'D',
        'M',
        'ſ',
        'K',
        'ǅ',
        'ʰ',
        'ǂ',
        '가',
        '한',
        '\u{d7a3}',
        '\u{d7a4}',
        '\u{d7b0}',
        '\u{abff}',
        'ㄱ',
        '日',
        'א',
        '\u{301}',
        '\u{93f}',
        '\u{20dd}',
        '0',
        '7',
        '٣',
        'Ⅻ',
        '²',
        '½',
        ' ',
        ' ',
        ' ',
        '\t',
        '\n',
        '\r',
        '\u{a0}',
        '\u{3000}',
        '\u{2028}',
        '\u{85}',
        '\u{b}',
        '\'',
        '\'',
        '\'',
        '/',
        '!',
        '.',
        ',',
        '-',
        '"',
        '😀',
        '\u{200d}',
        '\u{fe0f}',
        '\u{0}',
        '\u{7f}',
        '\u{c}',
        '\u{1c}',
        '#',
        '9',
        'İ',
        'ß',
        'Σ',
        'ς',
        '\u{1f3fb}',
    ];

    fn random_strings(seed: u64, n: usize, max_len: usize) -> Vec<String> {
        random_strings_of(ALPHABET, seed, n, max_len)
    }

    /// `n` strings of up to `max_len` characters drawn from `alphabet`, the same for a seed.
    pub(super) fn random_strings_of(
        alphabet: &[char],
        seed: u64,
        n: usize,
        max_len: usize,
    ) -> Vec<String> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..n)
            .map(|_| {
                let len = (next() as usize) % max_len;
                (0..len)
                    .map(|_| alphabet[next() as usize % alphabet.len()])
                    .collect()
            })
            .collect()
    }

    fn check(pattern: &str, seed: u64) {
        let (sp, re) = (
            Splitter::for_pattern(pattern).unwrap(),
            fancy_regex::Regex::new(pattern).unwrap(),
        );
        for text in random_strings(seed, 50_000, 24) {
            assert_eq!(fast(&sp, &text), fancy(&re, &text), "{text:?}");
        }
    }

    /// Mostly ASCII, with a few characters outside it next to the runs: the fast paths
    /// (`split/fast.rs`) meet long runs of each kind and every way out of them.
    #[test]
    fn ascii_runs_match_fancy_regex() {
        let mut alphabet: Vec<char> = ALPHABET.iter().copied().filter(char::is_ascii).collect();
        alphabet = alphabet.repeat(8);
        alphabet.extend(['é', '²', '\u{a0}', '\u{301}', '가', '—', '\u{85}']);
        for (k, pattern) in [pattern::O200K, pattern::CL100K, pattern::TEKKEN]
            .into_iter()
            .enumerate()
        {
            let (sp, re) = (
                Splitter::for_pattern(pattern).unwrap(),
                fancy_regex::Regex::new(pattern).unwrap(),
            );
            for text in random_strings_of(&alphabet, 7 + k as u64, 30_000, 40) {
                assert_eq!(fast(&sp, &text), fancy(&re, &text), "{text:?}");
            }
        }
    }

    #[test]
    fn cl100k_matches_fancy_regex() {
        check(pattern::CL100K, 1);
    }

    #[test]
    fn o200k_matches_fancy_regex() {
        check(pattern::O200K, 2);
    }

    #[test]
    fn r50k_matches_fancy_regex() {
        check(pattern::R50K, 3);
    }

    #[test]
    fn tekken_matches_fancy_regex() {
        check(pattern::TEKKEN, 4);
    }

    #[test]
    fn every_code_point_alone_and_in_context() {
        // Each code point, alone and between a space and a letter / before a newline.
        for p in [
            pattern::CL100K,
            pattern::O200K,
            pattern::R50K,
            pattern::TEKKEN,
        ] {
            let (sp, re) = (
                Splitter::for_pattern(p).unwrap(),
                fancy_regex::Regex::new(p).unwrap(),
            );
            let mut text = String::new();
            for cp in (0u32..0x110000).step_by(7).filter_map(char::from_u32) {
                text.clear();
                text.push(' ');
                text.push(cp);
                text.push('a');
                text.push(cp);
                text.push(' ');
                text.push('\n');
                text.push(cp);
                assert_eq!(fast(&sp, &text), fancy(&re, &text), "{:?}", text);
            }
        }
    }
}
