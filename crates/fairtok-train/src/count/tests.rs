//! Tests of streaming counting.

use super::*;
use crate::corpus::{expand, Input};
use crate::NoProgress;

fn count_text(text: &[u8], opts: &CountOptions) -> Result<PieceCounts> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.txt");
    std::fs::write(&p, text).unwrap();
    let (langs, srcs) = expand(&[Input {
        lang: "en".into(),
        paths: vec![p],
    }])?;
    count_sources(&langs, &srcs, opts, &NoProgress)
}

#[test]
fn counts_pieces_with_line_endings() {
    let c = count_text(b"hello world\nhello\n", &CountOptions::default()).unwrap();
    assert_eq!(c.get(b"hello"), 2);
    assert_eq!(c.get(b" world"), 1);
    assert_eq!(c.get(b"\n"), 2);
    assert_eq!(c.total(), 5);
    assert_eq!(c.stats.languages[0].records, 2);
    assert_eq!(c.stats.languages[0].bytes, 18);
}

#[test]
fn gzip_and_zstd_count_like_plain_text() {
    use std::io::Write;
    let text = "첫 줄 first line\nsecond line 둘째\n".repeat(50);
    let plain = count_text(text.as_bytes(), &CountOptions::default()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::stream::encode_all(text.as_bytes(), 3).unwrap();
    for data in [gz, zst] {
        let c = count_text(&data, &CountOptions::default()).unwrap();
        assert_eq!(c.sorted(), plain.sorted());
        assert_eq!(c.stats.languages[0].bytes, text.len() as u64);
    }
}

#[test]
fn non_utf8_lines_skipped_or_fatal() {
    let text = b"ok\nbad \xff line\nok\n";
    let c = count_text(text, &CountOptions::default()).unwrap();
    assert_eq!(c.stats.skipped_utf8, 1);
    assert_eq!(c.stats.first_skipped.as_ref().unwrap().1, 2);
    assert_eq!(c.get(b"ok"), 2);
    let e = count_text(
        text,
        &CountOptions {
            strict: true,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.ends_with("c.txt:2: invalid UTF-8 at byte 4 of the line (reading is strict; otherwise such lines are skipped)"), "{e}");
}

#[test]
fn pruning_keeps_the_frequent_and_reports() {
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!("common w{i}\n"));
    }
    let c = count_text(
        text.as_bytes(),
        &CountOptions {
            max_pieces: 100,
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(c.len() <= 100);
    assert_eq!(c.get(b"common"), 2000);
    assert!(c.stats.pruned_pieces > 0 && c.stats.prune_threshold >= 1);
}

#[test]
fn per_language_counts_split_what_pooled_counts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let (ko, en) = (dir.path().join("ko.txt"), dir.path().join("en.txt"));
    std::fs::write(&ko, "한국 word\n한국\n").unwrap();
    std::fs::write(&en, "word word\n").unwrap();
    let inputs = [
        Input {
            lang: "ko".into(),
            paths: vec![ko],
        },
        Input {
            lang: "en".into(),
            paths: vec![en],
        },
    ];
    let (langs, srcs) = expand(&inputs).unwrap();
    let pooled = count_sources(&langs, &srcs, &CountOptions::default(), &NoProgress).unwrap();
    let per_language = CountOptions {
        per_language: true,
        ..Default::default()
    };
    let per = count_sources(&langs, &srcs, &per_language, &NoProgress).unwrap();
    assert!(per.is_per_language() && !pooled.is_per_language());
    assert_eq!(per.get_in(b"word", 1), 1); // "word" at the start of the English line
    assert_eq!(per.get_in(b" word", 0), 1);
    assert_eq!(per.get_in(b" word", 1), 1);
    assert_eq!(per.get_in("한국".as_bytes(), 0), 2);
    assert_eq!(per.get_in("한국".as_bytes(), 1), 0);
    assert_eq!(per.get(b" word"), pooled.get(b" word"));
    assert_eq!(per.total(), pooled.total());
    assert_eq!(per.len(), pooled.len() + 2); // " word" and "\n" are in both languages
    let mut split: Vec<(Vec<u8>, usize, u64)> = per
        .iter_languages()
        .map(|(p, l, c)| (p.to_vec(), l, c))
        .collect();
    split.sort();
    let mut drained = vec![];
    per.drain_languages(|p, l, c| drained.push((p.to_vec(), l, c)));
    drained.sort();
    assert_eq!(split, drained);
    // Merged into a pooled table, the languages add up again.
    let mut back = PieceCounts::new(&pooled.pattern);
    let mut again = count_sources(&langs, &srcs, &per_language, &NoProgress).unwrap();
    again.stats = Default::default();
    back.merge(again);
    assert_eq!(back.sorted(), pooled.sorted());
}

/// A text of `lines` lines of Zipf-like random words, the same for a given seed.
fn zipf_text(lines: usize, seed: u64) -> String {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as u32
    };
    let mut text = String::new();
    for _ in 0..lines {
        for _ in 0..12 {
            // Log-uniform ids: a few frequent words, very many rare ones.
            let scale = next() % 22;
            text.push_str(&format!("w{} ", next() % (1 << scale)));
        }
        text.push('\n');
    }
    text
}

#[test]
fn pruned_counts_do_not_depend_on_threads() {
    // About 9 MB: nine batches, pruned many times on the way.
    let text = zipf_text(80_000, 7);
    let run = |threads| {
        let c = count_text(
            text.as_bytes(),
            &CountOptions {
                max_pieces: 20_000,
                threads,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(c.stats.pruned_pieces > 0, "the test must prune");
        let sorted: Vec<(Vec<u8>, u64)> = c
            .sorted()
            .into_iter()
            .map(|(p, n)| (p.to_vec(), n))
            .collect();
        (sorted, c.stats.pruned_pieces, c.stats.pruned_occurrences)
    };
    let one = run(1);
    for threads in [2, 3, 4] {
        for _ in 0..2 {
            assert!(
                run(threads) == one,
                "{threads} threads counted otherwise than 1"
            );
        }
    }
}
