//! Property tests (proptest): the trained vocabulary does not depend on the thread count,
//! neither in counting nor in the merge loop, with and without `max_pieces` pruning.
//!
//! Each case draws a seed and a shape; the corpus is expanded from them (words of syllables,
//! Latin and Hangul, so that common pairs sit in thousands of distinct words and the merge
//! loop's parallel rewrite, which starts at 8192 words for a pair, is exercised). The same
//! corpus is then counted and trained with 1 and with 2 threads, and the merges must be equal.

use std::io::Write;

use fairtok_train::{
    count_sources, count_texts, expand, train, CountOptions, Input, NoProgress, PieceCounts,
    TrainOptions,
};
use proptest::prelude::*;

const SYLLABLES: &[&str] = &[
    "ka", "ki", "ku", "ta", "to", "te", "na", "ni", "ma", "mo", "ra", "ri", "sa", "so", "la", "an",
    "in", "on", "er", "th", "e", "a", "o", "x", "가", "나", "다", "한", "국", "어", "는", "을",
    "이", "요", "é", "ö", "1", "23", "!", "-",
];

/// `lines` lines of `words` words each, from `seed` (xorshift; a word has 1 to 6 syllables,
/// and one word in `repeat` is taken again from a small set, so counts are skewed).
fn corpus(seed: u64, lines: usize, words: usize, repeat: u64) -> Vec<String> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..lines)
        .map(|_| {
            let mut line = String::new();
            for w in 0..words {
                if w > 0 {
                    line.push(' ');
                }
                let r = next();
                let n = if r % repeat == 0 { 2 } else { 1 + (r >> 8) % 6 };
                let pick = if r % repeat == 0 {
                    8
                } else {
                    SYLLABLES.len() as u64
                };
                for _ in 0..n {
                    line.push_str(SYLLABLES[(next() % pick) as usize]);
                }
            }
            line
        })
        .collect()
}

fn train_opts(threads: usize) -> TrainOptions {
    TrainOptions {
        vocab_size: 256 + 120,
        threads,
        ..Default::default()
    }
}

fn merges(counts: PieceCounts, threads: usize) -> Vec<(u32, u32)> {
    train(counts, &train_opts(threads), &NoProgress)
        .unwrap()
        .merges
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// In memory (`count_texts`, no pruning): counts and merges equal for 1 and 2 threads.
    #[test]
    fn training_ids_do_not_depend_on_threads(seed in any::<u64>(), repeat in 3u64..12) {
        let texts = corpus(seed, 2500, 12, repeat);
        let mut runs = vec![];
        for threads in [1, 2] {
            let mut counts = PieceCounts::new(fairtok_core::pattern::O200K);
            count_texts(&mut counts, "x", &texts, threads).unwrap();
            let sorted: Vec<(Vec<u8>, u64)> =
                counts.sorted().into_iter().map(|(p, c)| (p.to_vec(), c)).collect();
            runs.push((sorted, merges(counts, threads)));
        }
        prop_assert_eq!(&runs[0].0, &runs[1].0, "counts differ");
        prop_assert_eq!(&runs[0].1, &runs[1].1, "merges differ");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3))]

    /// From a file of several batches with `max_pieces` pruning active: the merges are equal
    /// for 1 and 2 threads.
    #[test]
    fn pruned_training_ids_do_not_depend_on_threads(seed in any::<u64>(), cap in 2000usize..8000) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.txt");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        // About 3.5 MB: four batches of 1 MiB, so two threads count different batches.
        for line in corpus(seed, 30_000, 14, 7) {
            writeln!(f, "{line}").unwrap();
        }
        f.flush().unwrap();
        drop(f);
        let input = Input::parse(&format!("x={}", path.display())).unwrap();
        let (langs, sources) = expand(&[input]).unwrap();
        let mut runs = vec![];
        for threads in [1, 2] {
            let opts = CountOptions {
                threads,
                max_pieces: cap,
                ..Default::default()
            };
            let counts = count_sources(&langs, &sources, &opts, &NoProgress).unwrap();
            prop_assert!(counts.stats.pruned_pieces > 0, "the cap {} pruned nothing", cap);
            runs.push(merges(counts, threads));
        }
        prop_assert_eq!(&runs[0], &runs[1], "merges differ between 1 and 2 threads");
    }
}
