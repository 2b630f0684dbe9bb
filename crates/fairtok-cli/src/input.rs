//! Reading an input file as text: mapped (large files) or read, and checked as UTF-8 on several
//! threads, with its character count from the same pass.

use std::path::Path;

use crate::*;

/// Files from this size on are mapped instead of read (no copy; the checking threads fault in
/// their own parts).
const MAP_FROM: u64 = 1 << 20;

/// A checked input text.
pub(crate) struct Text {
    storage: Storage,
    chars: usize,
}

enum Storage {
    Owned(String),
    /// A mapped file that was checked to be UTF-8.
    Mapped(memmap2::Mmap),
}

impl Text {
    pub(crate) fn as_str(&self) -> &str {
        match &self.storage {
            Storage::Owned(s) => s,
            // SAFETY: `read_text` builds `Mapped` only after checking every byte is UTF-8
            // (`check_utf8`); the map is read-only and private to this process.
            Storage::Mapped(m) => unsafe { std::str::from_utf8_unchecked(m) },
        }
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
    if path.as_os_str() != "-" {
        let io = |e: std::io::Error| Failure(format!("{}: {e}", path.display()));
        let file = std::fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_file() && meta.len() >= MAP_FROM {
            // SAFETY: the map is only read. As with any tool that maps its input, a file that
            // another process truncates or rewrites while fairtok runs may read as garbage or
            // end the process with SIGBUS; its bytes are checked as UTF-8 once, here.
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
            if let Some(chars) = check_utf8(&map, threads) {
                return Ok(Text {
                    storage: Storage::Mapped(map),
                    chars,
                });
            }
            let owned = text_of(map.to_vec(), name, lossy)?;
            return Ok(owned_text(owned, threads));
        }
    }
    let bytes = read_input(path)?;
    if let Some(chars) = check_utf8(&bytes, threads) {
        let s = String::from_utf8(bytes).expect("checked as UTF-8");
        return Ok(Text {
            storage: Storage::Owned(s),
            chars,
        });
    }
    Ok(owned_text(text_of(bytes, name, lossy)?, threads))
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        owned_text(s, 1)
    }
}

fn owned_text(s: String, threads: usize) -> Text {
    let chars = check_utf8(s.as_bytes(), threads).expect("a String is UTF-8");
    Text {
        storage: Storage::Owned(s),
        chars,
    }
}

/// Whether `bytes` is UTF-8, checked in up to `threads` parts at once (cut before a byte that
/// starts a character); if it is, the number of characters.
pub(crate) fn check_utf8(bytes: &[u8], threads: usize) -> Option<usize> {
    let parts = if bytes.len() < MAP_FROM as usize {
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
                s.spawn(move || check(part))
            })
            .collect();
        let first = check(&bytes[cuts[0]..cuts[1]]);
        let rest: Vec<Option<usize>> = handles
            .into_iter()
            .map(|h| h.join().expect("a UTF-8 checking thread panicked"))
            .collect();
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
        while text.len() < (MAP_FROM as usize) * 3 {
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
