//! Writing systems as sets of code points, and the test that keeps vocabulary extension safe.
//!
//! A vocabulary extended for a language must leave every text without a character of that
//! language's script exactly as the base vocabulary encodes it. [`Script::marks`] is the test
//! that guarantees it: a new token is allowed only if its bytes cannot occur in valid UTF-8 text
//! unless the text has a character of the script. That holds when the token contains a complete
//! character of the script, or ends in an incomplete character whose every completion is a
//! character of the script (the lead byte `0xEB` alone can only start a Hangul syllable,
//! U+B000..U+BFFF). UTF-8 is self-synchronising, so such bytes inside a valid string are that
//! character; a byte-level BPE step can only create a token whose bytes occur in the text.
//! Therefore no new token ever fires on a text without the script, and its encoding is unchanged.

use crate::error::{Result, TrainError};

/// A set of Unicode code points: one script, or several (`Jpan` = Han + Hiragana + Katakana).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    name: String,
    /// Sorted, disjoint, inclusive ranges.
    ranges: Vec<(u32, u32)>,
}

impl Script {
    /// The script of an ISO 15924 code or a Unicode script name or alias (`Hang`, `Hangul`,
    /// `Latn`, `Cyrillic`, ...), plus the ISO combinations `Jpan` (Han, Hiragana, Katakana),
    /// `Kore` (Hangul, Han), `Hans`/`Hant` (Han) and `Hrkt` (Hiragana, Katakana). Several
    /// names separated by commas make their union (`Hang,Jpan`).
    pub fn named(name: &str) -> Result<Script> {
        let mut parts: Vec<&str> = vec![];
        for n in name.split(',').map(str::trim) {
            parts.extend_from_slice(match n {
                "Jpan" => &["Hani", "Hira", "Kana"],
                "Kore" => &["Hang", "Hani"],
                "Hans" | "Hant" => &["Hani"],
                "Hrkt" => &["Hira", "Kana"],
                _ => std::slice::from_ref(&n),
            });
        }
        let mut ranges = vec![];
        for p in parts {
            let hir = regex_syntax::ParserBuilder::new()
                .build()
                .parse(&format!(r"\p{{sc={p}}}"))
                .map_err(|_| {
                    TrainError::invalid(
                        crate::Setting::Script,
                        format!("unknown script {name:?}: give an ISO 15924 code (Hang, Latn, Jpan, ...) or a Unicode script name"),
                    )
                })?;
            match hir.kind() {
                regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => ranges
                    .extend(
                        c.ranges()
                            .iter()
                            .map(|r| (r.start() as u32, r.end() as u32)),
                    ),
                _ => unreachable!("\\p{{..}} parses to a Unicode class"),
            }
        }
        ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = vec![];
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Ok(Script {
            name: name.to_owned(),
            ranges: merged,
        })
    }

    /// The script of a language tag with a script subtag: `kor_Hang` (FLORES) or `ko-Hang`
    /// (BCP 47). Bare `ko`/`kor` mean Hangul, `ja`/`jpn` Japanese, `zh`/`zho` Han.
    pub fn of_lang(tag: &str) -> Result<Script> {
        let sub = tag
            .rsplit(['_', '-'])
            .next()
            .filter(|s| s.len() == 4 && tag.len() > 4);
        let code = match (sub, tag) {
            (Some(s), _) => s,
            (None, "ko" | "kor") => "Hang",
            (None, "ja" | "jpn") => "Jpan",
            (None, "zh" | "zho" | "cmn") => "Hani",
            _ => {
                return Err(TrainError::invalid(
                    crate::Setting::Script,
                    format!("the language tag {tag:?} names no script: write it as LANG_Script (kor_Hang) or give the script"),
                ))
            }
        };
        Script::named(code)
    }

    /// The name the script was made from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `c` belongs to the script.
    pub fn contains(&self, c: char) -> bool {
        let c = c as u32;
        let i = self.ranges.partition_point(|r| r.1 < c);
        i < self.ranges.len() && self.ranges[i].0 <= c
    }

    /// Whether `text` has a character of the script.
    pub fn occurs_in(&self, text: &[u8]) -> bool {
        // Pieces are UTF-8 (they come from `str`), but be lenient: decode what decodes.
        String::from_utf8_lossy(text)
            .chars()
            .any(|c| self.contains(c))
    }

    /// Whether these token bytes can only occur in valid UTF-8 text that has a character of
    /// the script (see the module docs): the safety test of every token added by extension.
    pub fn marks(&self, token: &[u8]) -> bool {
        let mut i = 0;
        while i < token.len() {
            let len = match token[i] {
                0x00..=0x7f => 1,
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => {
                    i += 1; // a continuation byte (or one that never occurs in UTF-8)
                    continue;
                }
            };
            if i + len > token.len() {
                return self.forced(&token[i..], len);
            }
            match std::str::from_utf8(&token[i..i + len]) {
                Ok(s) => {
                    if s.chars().all(|c| self.contains(c)) {
                        return true;
                    }
                    i += len;
                }
                Err(_) => i += 1,
            }
        }
        false
    }

    /// Whether every valid character starting with `prefix` (a lead byte and fewer than `len -
    /// 1` continuation bytes) belongs to the script.
    fn forced(&self, prefix: &[u8], len: usize) -> bool {
        if prefix[1..].iter().any(|&b| !(0x80..=0xbf).contains(&b)) {
            return false;
        }
        let missing = len - prefix.len();
        if missing > 2 {
            return false; // 2^18 completions: not worth it, and no script fills such a block
        }
        let mut buf = [0u8; 4];
        buf[..prefix.len()].copy_from_slice(prefix);
        let mut any = false;
        for tail in 0..(1u32 << (6 * missing)) {
            for k in 0..missing {
                buf[prefix.len() + k] = 0x80 | ((tail >> (6 * (missing - 1 - k))) & 0x3f) as u8;
            }
            if let Ok(s) = std::str::from_utf8(&buf[..len]) {
                if !s.chars().all(|c| self.contains(c)) {
                    return false;
                }
                any = true;
            }
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_by_code_name_and_tag() {
        let hang = Script::of_lang("kor_Hang").unwrap();
        assert!(hang.contains('한') && hang.contains('ㅋ') && !hang.contains('漢'));
        assert_eq!(Script::named("Hangul").unwrap().ranges, hang.ranges);
        let jpan = Script::of_lang("jpn_Jpan").unwrap();
        assert!(jpan.contains('の') && jpan.contains('カ') && jpan.contains('漢'));
        assert!(!jpan.contains('a'));
        let both = Script::named("Hang,Jpan").unwrap();
        assert!(both.contains('한') && both.contains('の') && !both.contains('a'));
        assert!(Script::of_lang("ko").unwrap().contains('가'));
        assert!(Script::named("Klingon").is_err());
        let e = Script::of_lang("und").unwrap_err();
        assert!(
            matches!(
                e,
                TrainError::InvalidOption {
                    option: crate::Setting::Script,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn marks_complete_and_forced_characters() {
        let h = Script::named("Hang").unwrap();
        assert!(h.marks(" 한국".as_bytes()));
        assert!(h.marks("가".as_bytes()));
        assert!(!h.marks(b" the"));
        assert!(!h.marks("漢字".as_bytes()));
        // 0xEB alone starts only Hangul syllables (U+B000..U+BFFF).
        assert!(h.marks(&[b' ', 0xeb]));
        // 0xEA 0xB0 starts U+AC00..U+AC3F, all Hangul; 0xEA alone also starts Yi (U+A000).
        assert!(h.marks(&[0xea, 0xb0]));
        assert!(!h.marks(&[0xea]));
        // Continuation bytes alone may end any character.
        assert!(!h.marks(&[0xb0, 0x80]));
        // A 4-byte lead never qualifies.
        assert!(!h.marks(&[0xf0, 0x9f]));
        // One character of the script is enough, whatever else the token holds.
        assert!(h.marks("a가".as_bytes()));
    }

    #[test]
    fn a_marked_token_never_occurs_in_text_without_the_script() {
        // Exhaustive over short byte strings cut from mixed text: whenever `marks` says yes,
        // the text around the cut has a Hangul character.
        let h = Script::named("Hang").unwrap();
        let text = "x 가 ꀀ 漢 é 😀 뷁 ힰ ᄀ ㄱ ＡＢ 한국어".as_bytes();
        for s in 0..text.len() {
            for e in s + 1..=text.len().min(s + 8) {
                if h.marks(&text[s..e]) {
                    // Extend to character boundaries and check.
                    let (mut a, mut b) = (s, e);
                    while a > 0 && (text[a] & 0xc0) == 0x80 {
                        a -= 1;
                    }
                    while b < text.len() && (text[b] & 0xc0) == 0x80 {
                        b += 1;
                    }
                    let around = std::str::from_utf8(&text[a..b]).unwrap();
                    assert!(around.chars().any(|c| h.contains(c)), "{around:?}");
                }
            }
        }
    }
}
