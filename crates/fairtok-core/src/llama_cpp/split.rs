//! llama.cpp's pre-tokenizers for byte-level BPE vocabularies (`unicode_regex_split`), one per
//! `tokenizer.ggml.pre` name fairtok reproduces.
//!
//! # How llama.cpp splits
//!
//! A pre-tokenizer is a list of regexes applied in turn: each one splits every piece the
//! previous ones left into its matches and the text between them (both kept, in order). The
//! regexes are not run by one engine:
//!
//! * GPT-2's and Qwen2's regexes are hand-written scanners over llama.cpp's code-point classes
//!   ([`super::unicode`]), reproduced here as `gpt2` and `qwen2`;
//! * a regex with `\p{..}` runs in C++ `std::regex` over a "collapsed" text where every
//!   code point above ASCII is one byte standing for its class (whitespace, number, letter,
//!   ...), and the class names become those bytes plus their ASCII members: `\p{N}` is
//!   `[0-9]` or a non-ASCII number, `\p{P}` is ASCII punctuation or a non-ASCII punctuation;
//! * any other regex runs in `std::wregex` over the code points, with non-ASCII whitespace
//!   replaced by U+000B; there `\s` is ASCII whitespace, so in both cases `\s` is exactly
//!   llama.cpp's whitespace, and a literal range such as `[À-Ö]` holds no whitespace.
//!
//! The regexes these names use are all of a few shapes (`Step`): a run of one class with an
//! optional whitespace before it, one character of a class, a trailing whitespace run, three
//! ASCII digits. `std::regex` searches leftmost-first like any backtracking engine, so each
//! shape is a small scanner. `$` is the end of the piece being split.
//!
//! | name | steps |
//! |---|---|
//! | `gpt-2`, `mpt` | GPT-2's regex |
//! | `falcon` | `` [\p{P}\$\+<=>\^~\|`]+ ``, GPT-2's, `[0-9][0-9][0-9]` |
//! | `qwen2` | Qwen2's regex |
//! | `deepseek-llm` | `[\r\n]`, `\s?[A-Za-zµÀ-Ö...]+`, `\s?[!-/:-~！-／：-～‘-‟　-。]+`, `\s+$`, `[一-龥ࠀ-一가-퟿]+`, `\p{N}+` |
//! | none, `default` | `[\p{P}\$\+<=>\^~\|]+`, GPT-2's, `\p{N}+`, `[0-9][0-9][0-9]` |

use super::unicode::{class, is_letter, is_number, is_space, to_lower, Class};

/// DeepSeek LLM's letters, as llama.cpp writes them (literal ranges; escaped, since some are
/// canonical singletons that a normalizing editor would change, such as U+1F7D).
const DEEPSEEK_LETTERS: &str = "A-Za-z\u{b5}\u{c0}-\u{d6}\u{d8}-\u{f6}\u{f8}-\u{1ba}\u{1bc}-\u{1bf}\u{1c4}-\u{293}\u{295}-\u{2af}\u{370}-\u{373}\u{376}\u{377}\u{37b}-\u{37d}\u{37f}\u{386}\u{388}-\u{38a}\u{38c}\u{38e}-\u{3a1}\u{3a3}-\u{3f5}\u{3f7}-\u{481}\u{48a}-\u{52f}\u{531}-\u{556}\u{10a0}-\u{10c5}\u{13a0}-\u{13f5}\u{13f8}-\u{13fd}\u{1c90}-\u{1cba}\u{1cbd}-\u{1cbf}\u{1d00}-\u{1d2b}\u{1d6b}-\u{1d77}\u{1d79}-\u{1d9a}\u{1e00}-\u{1f15}\u{1f18}-\u{1f1d}\u{1f20}-\u{1f45}\u{1f48}-\u{1f4d}\u{1f50}-\u{1f57}\u{1f59}\u{1f5b}\u{1f5d}\u{1f5f}-\u{1f7d}\u{1f80}-\u{1fb4}\u{1fb6}-\u{1fbc}\u{1fbe}\u{1fc2}-\u{1fc4}\u{1fc6}-\u{1fcc}\u{1fd0}-\u{1fd3}\u{1fd6}-\u{1fdb}\u{1fe0}-\u{1fec}\u{1ff2}-\u{1ff4}\u{1ff6}-\u{1ffc}\u{2102}\u{2107}\u{210a}-\u{2113}\u{2115}\u{2119}-\u{211d}\u{2124}\u{2126}\u{2128}\u{212a}-\u{212d}\u{212f}-\u{2134}\u{2139}\u{213c}-\u{213f}\u{2145}-\u{2149}\u{214e}\u{2183}\u{2184}\u{2c00}-\u{2c7b}\u{2c7e}-\u{2ce4}\u{2ceb}-\u{2cee}\u{2cf2}\u{2cf3}\u{a640}-\u{a66d}\u{a680}-\u{a69b}\u{a722}-\u{a76f}\u{a771}-\u{a787}\u{a78b}-\u{a78e}\u{ab70}-\u{abbf}\u{fb00}-\u{fb06}\u{fb13}-\u{fb17}\u{ff21}-\u{ff3a}\u{ff41}-\u{ff5a}\u{10400}-\u{1044f}\u{104b0}-\u{104d3}\u{104d8}-\u{104fb}\u{10c80}-\u{10cb2}\u{10cc0}-\u{10cf2}\u{118a0}-\u{118df}\u{1e900}-\u{1e943}";
/// DeepSeek LLM's punctuation.
const DEEPSEEK_PUNCT: &str =
    "!-/:-~\u{ff01}-\u{ff0f}\u{ff1a}-\u{ff5e}\u{2018}-\u{201f}\u{3000}-\u{3002}";
/// DeepSeek LLM's CJK and Hangul.
const DEEPSEEK_CJK: &str = "\u{4e00}-\u{9fa5}\u{800}-\u{4e00}\u{ac00}-\u{d7ff}";

/// A character class of a regex step.
#[derive(Debug, Clone)]
pub(crate) enum CharClass {
    /// Literal ranges (a `std::wregex` bracket expression); never whitespace.
    Ranges(Vec<(char, char)>),
    /// `[\r\n]`.
    Newline,
    /// `\p{N}` (collapsed): an ASCII digit or a non-ASCII number.
    Number,
    /// `\p{P}` plus the ASCII symbols listed (collapsed).
    Punct(&'static str),
}

impl CharClass {
    fn ranges(spec: &str) -> CharClass {
        let cs: Vec<char> = spec.chars().collect();
        let mut out = vec![];
        let mut i = 0;
        while i < cs.len() {
            if i + 2 < cs.len() && cs[i + 1] == '-' {
                out.push((cs[i], cs[i + 2]));
                i += 3;
            } else {
                out.push((cs[i], cs[i]));
                i += 1;
            }
        }
        CharClass::Ranges(out)
    }

    fn has(&self, c: char) -> bool {
        match self {
            // Non-ASCII whitespace was replaced by U+000B, which no range holds.
            CharClass::Ranges(r) => {
                (c.is_ascii() || !is_space(c)) && r.iter().any(|&(a, b)| a <= c && c <= b)
            }
            CharClass::Newline => c == '\r' || c == '\n',
            CharClass::Number => {
                c.is_ascii_digit() || (!c.is_ascii() && !is_space(c) && class(c) == Class::Number)
            }
            CharClass::Punct(symbols) => {
                if c.is_ascii() {
                    // The collapsed `\p{P}`: `!-#%-*,-/:-;?-@[-]_{}`.
                    matches!(c, '!'..='#' | '%'..='*' | ','..='/' | ':' | ';' | '?' | '@' | '['..=']' | '_' | '{' | '}')
                        || symbols.contains(c)
                } else {
                    !is_space(c) && class(c) == Class::Punctuation
                }
            }
        }
    }
}

/// One regex of a pre-tokenizer.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// GPT-2's regex (llama.cpp's scanner).
    Gpt2,
    /// Qwen2's regex (llama.cpp's scanner).
    Qwen2,
    /// `\s?[C]+` (with `space`) or `[C]+`.
    Run { space: bool, class: CharClass },
    /// `[C]`: one character.
    One(CharClass),
    /// `\s+$`.
    TrailingSpace,
    /// `[0-9][0-9][0-9]`.
    Digits3,
}

/// The steps of a `pre` name, or `None` for a name fairtok does not reproduce.
pub(crate) fn steps(pre: Option<&str>) -> Option<Vec<Step>> {
    use Step::*;
    let run = |space, class| Run { space, class };
    Some(match pre {
        Some("gpt-2" | "mpt") => vec![Gpt2],
        Some("falcon") => vec![run(false, CharClass::Punct("$+<=>^~|`")), Gpt2, Digits3],
        Some("qwen2") => vec![Qwen2],
        Some("deepseek-llm") => vec![
            One(CharClass::Newline),
            run(true, CharClass::ranges(DEEPSEEK_LETTERS)),
            run(true, CharClass::ranges(DEEPSEEK_PUNCT)),
            TrailingSpace,
            run(false, CharClass::ranges(DEEPSEEK_CJK)),
            run(false, CharClass::Number),
        ],
        None | Some("default") => vec![
            run(false, CharClass::Punct("$+<=>^~|")),
            Gpt2,
            run(false, CharClass::Number),
            Digits3,
        ],
        _ => return None,
    })
}

/// Splits `text` with `steps`, giving the pieces in order (none empty).
pub(crate) fn split<'a>(text: &'a str, steps: &[Step]) -> Vec<&'a str> {
    let cps: Vec<(usize, char)> = text.char_indices().collect();
    // Pieces as code point ranges.
    let mut pieces = vec![(0, cps.len())];
    for step in steps {
        let mut next = Vec::with_capacity(pieces.len() * 2);
        for &(s, e) in &pieces {
            let chars: Vec<char> = cps[s..e].iter().map(|p| p.1).collect();
            let mut ends = vec![];
            match step {
                Step::Gpt2 => gpt2(&chars, &mut ends),
                Step::Qwen2 => qwen2(&chars, &mut ends),
                _ => matches(&chars, step, &mut ends),
            }
            let mut at = s;
            for end in ends {
                next.push((at, s + end));
                at = s + end;
            }
        }
        pieces = next;
    }
    let byte = |i: usize| cps.get(i).map_or(text.len(), |p| p.0);
    pieces
        .into_iter()
        .filter(|(s, e)| s < e)
        .map(|(s, e)| &text[byte(s)..byte(e)])
        .collect()
}

/// The ends of the pieces (matches and the gaps between) of a regex step over `t`.
fn matches(t: &[char], step: &Step, ends: &mut Vec<usize>) {
    let n = t.len();
    let mut gap = 0;
    let mut push = |start: usize, end: usize, ends: &mut Vec<usize>| {
        if start > gap {
            ends.push(start);
        }
        ends.push(end);
        gap = end;
    };
    let mut p = 0;
    while p < n {
        let m = match step {
            Step::Run { space, class } => {
                let s = if *space && is_space(t[p]) && p + 1 < n && class.has(t[p + 1]) {
                    p + 1
                } else {
                    p
                };
                let mut e = s;
                while e < n && class.has(t[e]) {
                    e += 1;
                }
                (e > s).then_some(e)
            }
            Step::One(class) => class.has(t[p]).then_some(p + 1),
            Step::TrailingSpace => t[p..].iter().all(|&c| is_space(c)).then_some(n),
            Step::Digits3 => {
                (p + 3 <= n && t[p..p + 3].iter().all(char::is_ascii_digit)).then_some(p + 3)
            }
            Step::Gpt2 | Step::Qwen2 => unreachable!("scanners"),
        };
        match m {
            Some(e) => {
                push(p, e, ends);
                p = e;
            }
            None => p += 1,
        }
    }
    if gap < n {
        ends.push(n);
    }
}

/// The contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `p`, if any: its end.
fn contraction(t: &[char], p: usize, fold: bool) -> Option<usize> {
    let at = |i: usize| t.get(i).map(|&c| if fold { to_lower(c) } else { c });
    if t[p] != '\'' || p + 1 >= t.len() {
        return None;
    }
    match at(p + 1)? {
        's' | 't' | 'm' | 'd' => Some(p + 2),
        a @ ('r' | 'v' | 'l') => {
            let b = at(p + 2)?;
            matches!((a, b), ('r', 'e') | ('v', 'e') | ('l', 'l')).then_some(p + 3)
        }
        _ => None,
    }
}

/// The code point flags of a scanner: `None` past the piece (llama.cpp's empty flags).
fn flags(t: &[char], i: usize) -> Option<Class> {
    t.get(i).map(|&c| {
        if is_space(c) {
            Class::Separator
        } else {
            class(c)
        }
    })
}

/// Whether position `i` is whitespace.
fn space_at(t: &[char], i: usize) -> bool {
    t.get(i).is_some_and(|&c| is_space(c))
}

/// `[^\s\p{L}\p{N}]` in llama.cpp's scanners: a code point that is neither whitespace, letter
/// nor number (an unassigned one included), and not past the piece.
fn other_at(t: &[char], i: usize) -> bool {
    t.get(i)
        .is_some_and(|&c| !is_space(c) && !is_letter(c) && !is_number(c))
}

/// The whitespace branches shared by both scanners: `\s+(?!\S)` then `\s+`; `None` if `p` is
/// not whitespace.
fn spaces(t: &[char], p: usize) -> Option<usize> {
    let mut k = 0;
    while space_at(t, p + k) {
        k += 1;
    }
    if k > 1 && p + k < t.len() {
        Some(p + k - 1)
    } else if k > 0 {
        Some(p + k)
    } else {
        None
    }
}

/// GPT-2's regex `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// as llama.cpp's `unicode_regex_split_custom_gpt2` scans it.
fn gpt2(t: &[char], ends: &mut Vec<usize>) {
    let n = t.len();
    let mut p = 0;
    while p < n {
        let end = if let Some(e) = contraction(t, p, false) {
            e
        } else {
            let q = if t[p] == ' ' { p + 1 } else { p };
            let f2 = flags(t, q);
            if f2 == Some(Class::Letter) {
                run_while(t, q, is_letter)
            } else if f2 == Some(Class::Number) {
                run_while(t, q, is_number)
            } else if other_at(t, q) {
                run_while_at(t, q, other_at)
            } else {
                spaces(t, p).unwrap_or(p + 1)
            }
        };
        ends.push(end);
        p = end;
    }
}

/// Qwen2's regex `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|
/// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` as llama.cpp's
/// `unicode_regex_split_custom_qwen2` scans it.
fn qwen2(t: &[char], ends: &mut Vec<usize>) {
    let n = t.len();
    let mut p = 0;
    while p < n {
        let c = t[p];
        let newline = |c: char| c == '\r' || c == '\n';
        let end = if let Some(e) = contraction(t, p, true) {
            e
        } else if !newline(c)
            && !is_number(c)
            && (is_letter(c) || t.get(p + 1).is_some_and(|&d| is_letter(d)))
        {
            run_while(t, p + 1, is_letter)
        } else if is_number(c) {
            p + 1
        } else if (c != ' ' && other_at(t, p)) || (c == ' ' && (p + 1 >= n || other_at(t, p + 1))) {
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*` (a lone space at the end is this branch's too).
            let q = if c == ' ' { p + 1 } else { p };
            let mut e = run_while_at(t, q, other_at);
            while t.get(e).is_some_and(|&d| newline(d)) {
                e += 1;
            }
            e
        } else {
            let mut k = 0;
            let mut last_newline = None;
            while space_at(t, p + k) {
                if newline(t[p + k]) {
                    last_newline = Some(p + k + 1);
                }
                k += 1;
            }
            last_newline.or_else(|| spaces(t, p)).unwrap_or(p + 1)
        };
        ends.push(end);
        p = end;
    }
}

/// The end of the run from `i` of characters that satisfy `f`.
fn run_while(t: &[char], mut i: usize, f: fn(char) -> bool) -> usize {
    while t.get(i).is_some_and(|&c| f(c)) {
        i += 1;
    }
    i
}

/// [`run_while`] with a test on positions.
fn run_while_at(t: &[char], mut i: usize, f: fn(&[char], usize) -> bool) -> usize {
    while f(t, i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(pre: Option<&str>, text: &str) -> Vec<String> {
        split(text, &steps(pre).unwrap())
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn gpt2_pieces() {
        assert_eq!(
            go(Some("gpt-2"), "Hello world's  3.14!!  "),
            ["Hello", " world", "'s", " ", " 3", ".", "14", "!!", "  "]
        );
    }

    #[test]
    fn default_and_deepseek() {
        assert_eq!(go(None, "a 12345, b"), ["a", " ", "123", "45", ",", " b"]);
        assert_eq!(
            go(Some("deepseek-llm"), "Hi, 世界 123\n"),
            ["Hi", ",", " ", "世界", " ", "123", "\n"]
        );
    }

    #[test]
    fn qwen2_pieces() {
        assert_eq!(
            go(Some("qwen2"), "I'M here 12\n\n x"),
            ["I", "'M", " here", " ", "1", "2", "\n\n", " x"]
        );
    }
}
