//! The fast paths of the o200k and cl100k splitters: pieces that start with an ASCII byte, and
//! words of Hangul syllables.
//!
//! Most pieces of English and of code are ASCII: a word with its leading space or punctuation,
//! a number, a run of punctuation, a run of white space. Here they are found with one table
//! lookup per byte at most (the ASCII row of the splitter's own class table, so the classes
//! are those of the general path), without decoding characters or trying the pattern's
//! alternatives one by one. Most pieces of Korean are a space and a run of Hangul syllables
//! (U+AC00–U+D7A3, all letters of class `Lo`), recognised from their three bytes.
//!
//! Each path returns `None` wherever a byte outside what it knows could change the piece: a
//! letter, mark, number, white space or punctuation outside ASCII next to the run could extend
//! it, or make an earlier alternative of the pattern match. The general path then decides, so
//! the pieces are always the pattern's. The tests of `split.rs` compare both with `fancy-regex`.

use super::{Splitter, WsRun, L, LOWER, N, UPPER, WS};

/// How the patterns differ in the pieces that are not words.
pub(super) struct Rest {
    /// The most numbers in one piece: `\p{N}{1,3}`, or tekken's `\p{N}`.
    digits: usize,
    /// The bytes that may follow a run of punctuation in its piece (`[\r\n/]*`, `[\r\n]*`).
    tail: &'static [u8],
    /// Whether a lone white-space character ends as `\s` (cl100k) rather than `\s+` (o200k).
    last_single: bool,
}

/// o200k's `\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
pub(super) const O200K: Rest = Rest {
    digits: 3,
    tail: b"\r\n/",
    last_single: false,
};

/// Mistral tekken's: o200k's with one number per piece.
pub(super) const TEKKEN: Rest = Rest { digits: 1, ..O200K };

/// cl100k's `\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`.
pub(super) const CL100K: Rest = Rest {
    digits: 3,
    tail: b"\r\n",
    last_single: true,
};

/// The flags of the byte at `j`: `Some(0)` at the end of the text, `None` for a byte outside
/// ASCII.
#[inline(always)]
fn flags(ascii: &[u16; 128], s: &[u8], j: usize) -> Option<u16> {
    match s.get(j) {
        Some(&b) if b < 0x80 => Some(ascii[b as usize]),
        Some(_) => None,
        None => Some(0),
    }
}

/// "Other": neither white space, letter nor number (the end of the text is not other).
#[inline(always)]
fn is_other(s: &[u8], j: usize, f: u16) -> bool {
    j < s.len() && f & (WS | L | N) == 0
}

impl Splitter {
    /// o200k's `X?U*W+` and `X?U+W*` at `i` when the word is a run of characters that are in
    /// both U and W (`\p{Lm}`, `\p{Lo}`, `\p{M}`: CJK ideographs, kana, Hangul, Thai, ...),
    /// after an optional prefix, and the character after the run is in neither: greedy `U*`
    /// takes the run and gives its last character back to `W+`, which ends where the run does.
    /// `None` otherwise. The optional contraction is the caller's.
    pub(super) fn both_class_word(&self, s: &[u8], i: usize) -> Option<usize> {
        let first = self.at(s, i);
        let start = if Self::is_prefix(first) {
            i + first.len
        } else {
            i
        };
        let mut p = start;
        loop {
            let ch = self.at(s, p);
            if ch.flags & UPPER != 0 && ch.flags & LOWER != 0 {
                p += ch.len;
            } else if p == start || ch.flags & (UPPER | LOWER) != 0 {
                return None;
            } else {
                return Some(p);
            }
        }
    }

    /// The piece at `i` (an ASCII byte) when it is not a word: numbers, a run of punctuation
    /// with an optional leading space, or white space, by the rules of `rest`. `None` at a
    /// letter, before a letter that the byte at `i` would prefix, and wherever a byte outside
    /// ASCII could change the piece.
    pub(super) fn ascii_rest(&self, s: &[u8], i: usize, rest: &Rest) -> Option<usize> {
        let ascii = &self.classes.ascii;
        let b = s[i];
        let f = flags(ascii, s, i)?;
        if f & L != 0 {
            return None;
        }
        if f & N != 0 {
            // `\p{N}{1,3}`: a number outside ASCII could be the next one.
            let mut j = i + 1;
            while j < i + rest.digits {
                match flags(ascii, s, j)? {
                    g if g & N != 0 => j += 1,
                    _ => break,
                }
            }
            return Some(j);
        }
        let next = flags(ascii, s, i + 1);
        // `[^\r\n\p{L}\p{N}]` before a letter starts a word: the word paths decide.
        if b != b'\r' && b != b'\n' && next.is_none_or(|g| g & L != 0) {
            return None;
        }
        // ` ?[^\s\p{L}\p{N}]+[TAIL]*`
        let other_from = if is_other(s, i, f) {
            Some(i)
        } else if b == b' ' && is_other(s, i + 1, next?) {
            Some(i + 1)
        } else {
            None
        };
        if let Some(mut j) = other_from {
            while is_other(s, j, flags(ascii, s, j)?) {
                j += 1;
            }
            while s.get(j).is_some_and(|c| rest.tail.contains(c)) {
                j += 1;
            }
            return Some(j);
        }
        // White space (the byte at `i` is some: neither letter, number nor other).
        let mut run = WsRun {
            first_len: 1,
            end: i,
            last_nl: None,
            last_start: i,
            count: 0,
        };
        while run.end < s.len() && flags(ascii, s, run.end)? & WS != 0 {
            if s[run.end] == b'\n' || s[run.end] == b'\r' {
                run.last_nl = Some(run.end);
            }
            run.last_start = run.end;
            run.count += 1;
            run.end += 1;
        }
        Some(run.piece_end(i, s.len(), true, rest.last_single))
    }
}

/// An ASCII character that can start a word as its prefix `[^\r\n\p{L}\p{N}]` (white space
/// other than CR and LF, and punctuation).
#[inline(always)]
fn ascii_prefix(b: u8) -> bool {
    b < 0x80 && !b.is_ascii_alphanumeric() && b != b'\r' && b != b'\n'
}

/// The common case of o200k's two word alternatives, `X?U*W+` and `X?U+W*` (before the
/// optional contraction), on ASCII: at `i`, an optional ASCII prefix, then `[A-Z]*[a-z]*` with
/// at least one letter. On ASCII, U is `[A-Z]` and W is `[a-z]` and they are disjoint, so the
/// first alternative matches up to the end of the lowercase run when there is one, and the
/// second up to the end of the uppercase run otherwise; the greedy prefix is kept because the
/// alternatives without it cannot start on a non-letter. `None` (the caller takes the general
/// path) when the match is not that, or when the byte that ends it is not ASCII, since a
/// non-ASCII letter or mark could extend it.
#[inline(always)]
pub(super) fn ascii_o200k_word(s: &[u8], i: usize) -> Option<usize> {
    let mut p = i;
    if ascii_prefix(s[p]) {
        p += 1;
    }
    let mut q = p;
    while s.get(q).is_some_and(u8::is_ascii_uppercase) {
        q += 1;
    }
    let mut r = q;
    while s.get(r).is_some_and(u8::is_ascii_lowercase) {
        r += 1;
    }
    word_end(s, p, r)
}

/// The common case of cl100k's `[^\r\n\p{L}\p{N}]?+\p{L}++` on ASCII: an optional ASCII
/// prefix, then a run of ASCII letters that a non-ASCII byte does not end. `None` otherwise,
/// and at an apostrophe (the contractions come first in cl100k's pattern).
#[inline(always)]
pub(super) fn ascii_cl100k_word(s: &[u8], i: usize) -> Option<usize> {
    let mut p = i;
    if s[p] == b'\'' {
        return None;
    }
    if ascii_prefix(s[p]) {
        p += 1;
    }
    let mut r = p;
    while s.get(r).is_some_and(u8::is_ascii_alphabetic) {
        r += 1;
    }
    word_end(s, p, r)
}

/// `r`, the end of the ASCII letters that start at `p`, if there is at least one and a byte
/// outside ASCII does not follow them (a letter or mark there could extend the word).
#[inline(always)]
fn word_end(s: &[u8], p: usize, r: usize) -> Option<usize> {
    (r > p && s.get(r).is_none_or(|&b| b < 0x80)).then_some(r)
}

/// The end of the Hangul syllable at `p`, if one starts there (U+AC00–U+D7A3: `EA B0 80` to
/// `ED 9E A3` in UTF-8). The text is valid UTF-8, so a lead byte is followed by its two
/// continuation bytes.
#[inline(always)]
fn hangul_syllable(s: &[u8], p: usize) -> Option<usize> {
    let lead = *s.get(p)?;
    if !(0xEA..=0xED).contains(&lead) {
        return None;
    }
    let c = (lead as u32 & 0x0F) << 12 | (s[p + 1] as u32 & 0x3F) << 6 | (s[p + 2] as u32 & 0x3F);
    (0xAC00..=0xD7A3).contains(&c).then_some(p + 3)
}

/// A word of Hangul syllables at `i`, with an optional ASCII prefix, for o200k's `X?U*W+` and
/// `X?U+W*` and cl100k's `[^\r\n\p{L}\p{N}]?+\p{L}++` alike: a syllable is `\p{Lo}`, so in
/// U, W and `\p{L}`, and the run is the word when the byte after it is ASCII and no letter
/// (the end of the text counts as such). `None` otherwise. o200k's optional contraction is the
/// caller's, as after an ASCII word.
#[inline(always)]
pub(super) fn hangul_word(s: &[u8], i: usize) -> Option<usize> {
    let start = if ascii_prefix(s[i]) { i + 1 } else { i };
    let mut p = hangul_syllable(s, start)?;
    while let Some(e) = hangul_syllable(s, p) {
        p = e;
    }
    match s.get(p) {
        Some(&b) if b >= 0x80 || b.is_ascii_alphabetic() => None,
        _ => Some(p),
    }
}
