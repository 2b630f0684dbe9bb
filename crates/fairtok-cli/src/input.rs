//! Reading an input file as text, checked as UTF-8 on several threads, with its character
//! count from the same pass.
//!
//! Files are read, never memory-mapped: a mapped file that another process truncates ends the
//! process with SIGBUS, and one rewritten in place would be encoded without its bytes being
//! checked again. Reading costs one copy (a few GB/s from the page cache), little next to
//! encoding, and the text that is encoded is exactly the text that was checked.

use std::path::Path;

use crate::*;

/// Inputs from this size on are checked on several threads.
const PARALLEL_FROM: usize = 1 << 20;

/// A checked input text.
pub(crate) struct Text {
    text: String,
    chars: usize,
}

impl Text {
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The number of characters (Unicode scalar values).
    pub(crate) fn chars(&self) -> usize {
        self.chars
    }
}

/// Reads `path` (`-`: standard input) as text, checking UTF-8 on up to `threads` threads. On
/// invalid UTF-8 the error names the first bad byte offset, or with `lossy` the bad bytes are
/// replaced by U+FFFD, exactly as [`text_of`] does.
pub(crate) fn read_text(path: &Path, name: &str, lossy: bool, threads: usize) -> CliResult<Text> {
    let bytes = read_input(path)?;
    if let Some(chars) = check_utf8(&bytes, threads) {
        let text = String::from_utf8(bytes).expect("checked as UTF-8");
        return Ok(Text { text, chars });
    }
    Ok(owned_text(text_of(bytes, name, lossy)?, threads))
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        owned_text(s, 1)
    }
}

fn owned_text(text: String, threads: usize) -> Text {
    let chars = check_utf8(text.as_bytes(), threads).expect("a String is UTF-8");
    Text { text, chars }
}

/// Whether `bytes` is UTF-8, checked in up to `threads` parts at once (cut before a byte that
/// starts a character); if it is, the number of characters.
pub(crate) fn check_utf8(bytes: &[u8], threads: usize) -> Option<usize> {
    let parts = if bytes.len() < PARALLEL_FROM {
        1
    } else {
        threads.max(1)
    };
    let mut cuts = vec![0];
    for k in 1..parts {
        let target = (bytes.len() * k / parts).max(*cuts.last().unwrap());
        // Step over continuation bytes (at most 3 in a row in valid UTF-8; a part that starts
        // with one fails its check, as it should).
        let mut c = target;
        while c < bytes.len() && c < target + 4 && bytes[c] & 0xC0 == 0x80 {
            c += 1;
        }
        cuts.push(c);
    }
    cuts.push(bytes.len());
    // SIMD validation and counting: std's `from_utf8` runs at about 0.5 GB/s on Korean and a
    // plain byte filter at 1 GB/s, which made reading a large file cost as much as loading
    // the vocabulary. A bad file is then read again by `text_of`, for the error's offset.
    let check = |part: &[u8]| -> Option<usize> {
        simdutf8::basic::from_utf8(part).ok()?;
        // Characters = bytes that do not continue a character.
        Some(bytecount::num_chars(part))
    };
    if parts == 1 {
        return check(bytes);
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .skip(1)
            .map(|w| {
                let part = &bytes[w[0]..w[1]];
                Task::spawn(s, move || check(part))
            })
            .collect();
        let first = check(&bytes[cuts[0]..cuts[1]]);
        let rest: Vec<Option<usize>> = handles.into_iter().map(Task::join).collect();
        let mut total = first?;
        for r in rest {
            total += r?;
        }
        Some(total)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_check_agrees_with_std() {
        let mut text = String::new();
        while text.len() < PARALLEL_FROM * 3 {
            text.push_str("abc 가나다 😀 é\n");
        }
        let n = text.chars().count();
        for threads in 1..=5 {
            assert_eq!(check_utf8(text.as_bytes(), threads), Some(n));
        }
        // Invalid bytes anywhere are found, whichever part they fall in.
        for at in [0, text.len() / 2 + 1, text.len() - 1] {
            let mut bad = text.clone().into_bytes();
            bad[at] = 0xFF;
            for threads in 1..=3 {
                assert_eq!(check_utf8(&bad, threads), None);
            }
        }
        // A truncated character at the very end.
        let mut cut = text.into_bytes();
        cut.extend_from_slice(&"가".as_bytes()[..2]);
        assert_eq!(check_utf8(&cut, 2), None);
    }
}
