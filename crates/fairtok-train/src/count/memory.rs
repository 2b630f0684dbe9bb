//! Counting texts that are already in memory (the Python package's `texts=`, a service's
//! request): each text is one record, as a line of a file is, pre-tokenized with the same
//! engine as files are.

use fairtok_core::pattern::Regex;
use rayon::prelude::*;

use super::{LangStats, PieceCounts};
use crate::error::Result;

/// Counts the pre-tokens of `texts` (each one record: `String`s, `&str`s borrowed from an
/// Arrow array, ...) of the language `lang` into `counts` on
/// up to `threads` threads, and adds what was read to `lang`'s statistics (a new entry at the
/// end if `counts` has none for it). A per-language table gets the texts under `lang`'s tag.
///
/// Unlike [`super::count_sources`] nothing is pruned: the texts are in memory already, so
/// their distinct pieces are bounded by their size.
pub fn count_texts<T: AsRef<str> + Sync>(
    counts: &mut PieceCounts,
    lang: &str,
    texts: &[T],
    threads: usize,
) -> Result<()> {
    let pattern = counts.pattern.clone();
    let per_language = counts.is_per_language();
    Regex::tiktoken(&pattern)?;
    let threads = fairtok_core::threads_cap(threads);
    let chunk = texts.len().div_ceil(threads).max(1);
    let count_part = |part: &[T]| -> Result<(PieceCounts, u64)> {
        let re = Regex::tiktoken(&pattern)?;
        let mut local = if per_language {
            PieceCounts::new_per_language(&pattern, &[lang.to_owned()])?
        } else {
            PieceCounts::new(&pattern)
        };
        let mut pieces = 0u64;
        for text in part {
            let text = text.as_ref();
            let b = text.as_bytes();
            re.for_each_match(text, |st, en| {
                local.add(&b[st..en], 1);
                pieces += 1;
            })?;
        }
        Ok((local, pieces))
    };
    // A pool of `threads`; where the system refuses one, the calling thread does the work.
    let parts: Vec<Result<(PieceCounts, u64)>> = fairtok_core::task::on_pool(threads, || {
        texts.par_chunks(chunk).map(count_part).collect()
    });
    let mut pieces = 0;
    for part in parts {
        let (local, n) = part?;
        counts.merge(local);
        pieces += n;
    }
    let stats = &mut counts.stats.languages;
    let i = match stats.iter().position(|l| l.lang == lang) {
        Some(i) => i,
        None => {
            stats.push(LangStats {
                lang: lang.to_owned(),
                ..Default::default()
            });
            stats.len() - 1
        }
    };
    stats[i].bytes += texts.iter().map(|t| t.as_ref().len() as u64).sum::<u64>();
    stats[i].records += texts.len() as u64;
    stats[i].pieces += pieces;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{corpus, CountOptions, NoProgress};

    /// In-memory texts count exactly as the same lines in a file do.
    #[test]
    fn texts_count_as_a_file_does() {
        let lines: Vec<String> = ["안녕하세요 세계\n", "hello  world\n", "x\n", "마지막"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, lines.concat()).unwrap();
        let opts = CountOptions::default();
        let input = corpus::Input {
            lang: "ko".into(),
            paths: vec![path],
        };
        let (langs, sources) = corpus::expand(&[input]).unwrap();
        let from_file = super::super::count_sources(&langs, &sources, &opts, &NoProgress).unwrap();
        for threads in [1, 3] {
            let mut mem = PieceCounts::new(&opts.pattern);
            count_texts(&mut mem, "ko", &lines, threads).unwrap();
            assert_eq!(mem.sorted(), from_file.sorted());
            assert_eq!(mem.stats.languages, from_file.stats.languages);
        }
    }
}
