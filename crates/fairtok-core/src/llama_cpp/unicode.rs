//! The character classes llama.cpp's tokenizers see (`unicode.cpp`, `unicode-data.cpp`).
//!
//! llama.cpp keeps one set of flags per code point, made from the Unicode Character Database
//! by its `gen-unicode-data.py`: the general category folded to one of `Class` (`Cn` is
//! `Class::Undefined`, `Cc Cf Co Cs` are `Class::Control`, ...), the `White_Space`
//! property (25 code points), the simple lowercase mapping and, for its "NFD", the **first**
//! code point of a character's canonical decomposition only (`é` → `e`, `한` → `ᄒ`).
//!
//! Its tables are of Unicode 15.1 (the newest code points they know are CJK Extension I's).
//! Here the categories come from `regex-syntax`'s tables restricted to `Age <= 15.1`, so a code
//! point assigned later is `Class::Undefined` as in llama.cpp; whitespace is Rust's
//! `char::is_whitespace` (the same 25 code points); the lowercase is Rust's with `İ → i` (the
//! simple mapping where Rust gives the full one); the decomposition is
//! `unicode-normalization-alignments`' (Unicode 9: the few decomposable characters assigned
//! since are left as they are).

use std::sync::OnceLock;

use regex_syntax::hir::{Class as HirClass, HirKind};

/// The general category of a code point, folded as llama.cpp folds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// `Cn`, and code points past the tables.
    Undefined,
    /// `N*` (`\p{N}`).
    Number,
    /// `L*` (`\p{L}`).
    Letter,
    /// `Z*`.
    Separator,
    /// `M*` (`\p{M}`: llama.cpp's "accent mark").
    Mark,
    /// `P*` (`\p{P}`).
    Punctuation,
    /// `S*` (`\p{S}`).
    Symbol,
    /// `Cc Cf Co Cs`.
    Control,
}

const CLASSES: [(Class, &str); 7] = [
    (Class::Number, "N"),
    (Class::Letter, "L"),
    (Class::Separator, "Z"),
    (Class::Mark, "M"),
    (Class::Punctuation, "P"),
    (Class::Symbol, "S"),
    (Class::Control, "[\\p{Cc}\\p{Cf}\\p{Co}]"),
];

/// One byte per code point: the index of its [`Class`] in [`CLASSES`] plus one, 0 undefined.
fn table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = vec![0u8; 0x11_0000];
        for (i, (_, name)) in CLASSES.iter().enumerate() {
            let class = if name.starts_with('[') {
                name.to_string()
            } else {
                format!("\\p{{{name}}}")
            };
            let pattern = format!("[{class}&&\\p{{age:15.1}}]");
            let hir = regex_syntax::parse(&pattern).expect("a valid Unicode class");
            let HirKind::Class(HirClass::Unicode(set)) = hir.kind() else {
                unreachable!("a class parses to a class")
            };
            for r in set.ranges() {
                t[r.start() as usize..=r.end() as usize].fill(i as u8 + 1);
            }
        }
        t
    })
}

/// The class of `c`.
pub(crate) fn class(c: char) -> Class {
    match table()[c as usize] {
        0 => Class::Undefined,
        i => CLASSES[i as usize - 1].0,
    }
}

/// llama.cpp's `is_whitespace` (the `White_Space` property).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `is_letter` / `is_number`: the flags the custom splitters test.
pub(crate) fn is_letter(c: char) -> bool {
    class(c) == Class::Letter
}

/// See [`is_letter`].
pub(crate) fn is_number(c: char) -> bool {
    class(c) == Class::Number
}

/// llama.cpp's `unicode_tolower`: the simple lowercase mapping (one code point).
pub(crate) fn to_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// llama.cpp's `unicode_cpts_normalize_nfd` for one code point: the first code point of its
/// canonical decomposition.
pub(crate) fn nfd_first(c: char) -> char {
    let mut first = None;
    unicode_normalization_alignments::char::decompose_canonical(c, |d| {
        first.get_or_insert(d);
    });
    first.unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(class('a'), Class::Letter);
        assert_eq!(class('7'), Class::Number);
        assert_eq!(class('!'), Class::Punctuation);
        assert_eq!(class('$'), Class::Symbol);
        assert_eq!(class('\u{301}'), Class::Mark);
        assert_eq!(class(' '), Class::Separator);
        assert_eq!(class('\n'), Class::Control);
        assert_eq!(class('\u{378}'), Class::Undefined);
        // Unicode 16.0 (Garay) is past llama.cpp's tables.
        assert_eq!(class('\u{10D50}'), Class::Undefined);
        // Unicode 15.1 (CJK Extension I) is in.
        assert_eq!(class('\u{2EBF0}'), Class::Letter);
    }

    #[test]
    fn lower_and_nfd() {
        assert_eq!(to_lower('A'), 'a');
        assert_eq!(to_lower('İ'), 'i');
        assert_eq!(nfd_first('é'), 'e');
        assert_eq!(nfd_first('한'), '\u{1112}');
        assert_eq!(nfd_first('x'), 'x');
    }
}
