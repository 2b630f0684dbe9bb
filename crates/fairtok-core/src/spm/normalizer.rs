//! SentencePiece's normalizer (`normalizer.cc`), step for step.
//!
//! The text is consumed one rule at a time from its start: a user-defined symbol (longest
//! first) is kept as it is; otherwise the longest rule of the character map that is a prefix
//! of the rest gives its replacement; otherwise one character is kept. With
//! `remove_extra_whitespaces`, leading replacements that are exactly one space are dropped,
//! the spaces that start a replacement right after one that ended with a space are dropped
//! (runs collapse), and trailing whitespace is dropped at the end. With `escape_whitespaces`
//! every space is written U+2581 (`▁`); with `add_dummy_prefix` one such whitespace starts the
//! text (unless it is all whitespace, which normalizes to nothing).

use crate::charsmap::Charsmap;
use crate::unigram::{utf8_len, PieceTrie};

/// U+2581, SentencePiece's whitespace symbol.
pub(crate) const SPACE: &str = "\u{2581}";

/// The normalizer of one model.
#[derive(Debug, Clone)]
pub(crate) struct Normalizer {
    /// The compiled rules (`None`: the identity).
    pub charsmap: Option<Charsmap>,
    /// The user-defined symbols, kept as they are.
    pub user_defined: PieceTrie,
    pub add_dummy_prefix: bool,
    pub remove_extra_whitespaces: bool,
    pub escape_whitespaces: bool,
    /// `treat_whitespace_as_suffix`: the dummy whitespace goes at the end.
    pub suffix: bool,
}

impl Normalizer {
    /// The rule at the start of `rest`: its replacement and how many bytes of `rest` it covers.
    fn prefix<'a>(&'a self, rest: &'a str) -> (&'a str, usize) {
        if let Some(len) = self.user_defined.longest(rest.as_bytes()) {
            return (&rest[..len], len);
        }
        if let Some((len, replacement)) = self
            .charsmap
            .as_ref()
            .and_then(|c| c.longest(rest.as_bytes()))
            .filter(|&(len, _)| rest.is_char_boundary(len))
        {
            return (replacement, len);
        }
        let len = utf8_len(rest.as_bytes()[0]);
        (&rest[..len], len)
    }

    /// The normalized text.
    pub fn normalize(&self, input: &str) -> String {
        let mut rest = input;
        if self.remove_extra_whitespaces {
            while !rest.is_empty() {
                let (piece, len) = self.prefix(rest);
                if piece != " " {
                    break;
                }
                rest = &rest[len..];
            }
        }
        let mut out = String::with_capacity(rest.len() + rest.len() / 4 + 3);
        if rest.is_empty() {
            return out;
        }
        let space = if self.escape_whitespaces { SPACE } else { " " };
        if !self.suffix && self.add_dummy_prefix {
            out.push_str(space);
        }
        let mut prev_space = self.remove_extra_whitespaces;
        while !rest.is_empty() {
            let (mut piece, len) = self.prefix(rest);
            if prev_space {
                piece = piece.trim_start_matches(' ');
            }
            if !piece.is_empty() {
                if self.escape_whitespaces {
                    for (i, part) in piece.split(' ').enumerate() {
                        if i > 0 {
                            out.push_str(SPACE);
                        }
                        out.push_str(part);
                    }
                } else {
                    out.push_str(piece);
                }
                prev_space = piece.ends_with(' ');
            }
            rest = &rest[len..];
            if !self.remove_extra_whitespaces {
                prev_space = false;
            }
        }
        if self.remove_extra_whitespaces {
            while out.ends_with(space) {
                out.truncate(out.len() - space.len());
            }
        }
        if self.suffix && self.add_dummy_prefix {
            out.push_str(space);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(remove: bool, escape: bool) -> Normalizer {
        Normalizer {
            charsmap: None,
            user_defined: PieceTrie::new(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: remove,
            escape_whitespaces: escape,
            suffix: false,
        }
    }

    #[test]
    fn whitespace_rules() {
        let n = plain(true, true);
        assert_eq!(n.normalize("  hello   world  "), "▁hello▁world");
        assert_eq!(n.normalize("   "), "");
        let n = plain(false, true);
        assert_eq!(n.normalize("  hi  "), "▁▁▁hi▁▁");
        let n = plain(true, false);
        assert_eq!(n.normalize(" a  b "), " a b");
    }

    #[test]
    fn user_defined_symbols_are_kept_whole() {
        let mut n = plain(true, true);
        n.user_defined.insert("a b".as_bytes(), 0);
        // Kept as it is: its space is not escaped by the rule that keeps it, but by the loop.
        assert_eq!(n.normalize("xa b"), "▁xa▁b");
    }
}
