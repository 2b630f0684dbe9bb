//! The merge loop against hand-computed merges and a naive recount at every step.
use super::*;
use crate::NoProgress;

fn run(pieces: &[(&str, u64)], merges: usize) -> Merges {
    let mut b = Builder::new();
    for (p, c) in pieces {
        b.add(p.as_bytes(), *c);
    }
    b.train(
        &MergeOptions {
            merges,
            min_frequency: 0,
            max_token_bytes: None,
            forbidden: vec![],
            threads: 2,
        },
        &NoProgress,
    )
    .unwrap()
}

fn names(m: &Merges) -> Vec<String> {
    m.tokens[256..]
        .iter()
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect()
}

#[test]
fn hand_computed_merges() {
    // The classic example (Sennrich et al.): low×5 lower×2 newest×6 widest×3.
    // Pair counts: es 9, st 9, lo 7, ow 7, ... ; ties go to the smaller pair of ids:
    // (e,s)=(101,115) < (s,t)=(115,116), so `es` first; then `est` (9), then `lo` (7)
    // before `ow` (7) since (l,o) < (o,w); then `low` (7).
    let m = run(&[("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)], 4);
    assert_eq!(names(&m), ["es", "est", "lo", "low"]);
    assert_eq!(m.counts, [9, 9, 7, 7]);
    assert_eq!(m.merges[1], (256, b't' as u32));
}

#[test]
fn a_huge_number_of_merges_allocates_only_what_the_data_gives() {
    // 2^31 merges asked for: the merge list once had that capacity up front (16 GB, abort).
    let m = run(&[("abcd", 3), ("ab", 1)], crate::MAX_VOCAB_SIZE);
    assert_eq!(names(&m), ["ab", "cd", "abcd"]);
}

#[test]
fn pair_counts_saturate_instead_of_wrapping() {
    // `ab` is in both pieces: u64::MAX - 1 + 5 wrapped to 3, and `bc` (5) was merged first.
    let m = run(&[("ab", u64::MAX - 1), ("abc", 5)], 1);
    assert_eq!(names(&m), ["ab"]);
    assert_eq!(m.counts, [u64::MAX]);
    // The same piece from two counts files adds up without wrapping, too.
    let mut b = Builder::new();
    b.add(b"xy", u64::MAX);
    b.add(b"yz", 10);
    b.add(b"xy", 9);
    let m = b
        .train(
            &MergeOptions {
                merges: 1,
                min_frequency: 0,
                max_token_bytes: None,
                forbidden: vec![],
                threads: 1,
            },
            &NoProgress,
        )
        .unwrap();
    assert_eq!(names(&m), ["xy"]);
}

#[test]
fn overlapping_pairs_merge_left_to_right() {
    // "aaaa" ×1: (a,a) occurs 3 times → aa; the word is [aa, aa]; then (aa,aa) ×1.
    let m = run(&[("aaaa", 1)], 5);
    assert_eq!(names(&m), ["aa", "aaaa"]);
    assert_eq!(m.counts, [3, 1]);
    // "aaa" ×2: (a,a) → [aa, a], then (aa, a) ×2.
    let m = run(&[("aaa", 2)], 5);
    assert_eq!(names(&m), ["aa", "aaa"]);
    assert_eq!(m.counts, [4, 2]);
}

#[test]
fn counts_stay_exact_across_neighbouring_merges() {
    // Check incremental counts against a full recount after every merge.
    let pieces = [
        ("abababab", 3u64),
        ("abcabc", 2),
        ("bcbcbc", 5),
        ("aabbaabb", 1),
        ("cabcab", 4),
    ];
    for n in 1..=12 {
        let m = run(&pieces, n);
        // Recount from scratch by applying the merges to every word.
        let mut words: Vec<(Vec<u32>, u64)> = pieces
            .iter()
            .map(|(p, c)| (p.bytes().map(u32::from).collect(), *c))
            .collect();
        for (k, &(a, b)) in m.merges.iter().enumerate() {
            let mut best: FxHashMap<(u32, u32), u64> = FxHashMap::default();
            for (s, c) in &words {
                for p in s.windows(2) {
                    *best.entry((p[0], p[1])).or_default() += c;
                }
            }
            let top = best.values().max().copied().unwrap();
            assert_eq!(best[&(a, b)], top, "merge {k} is not a most frequent pair");
            assert_eq!(m.counts[k], top);
            let new = 256 + k as u32;
            for (s, _) in &mut words {
                *s = replace_pair(s, a, b, new);
            }
        }
    }
}

#[test]
fn min_frequency_and_max_token_bytes() {
    let mut b = Builder::new();
    b.add(b"abcd", 3);
    b.add(b"xy", 1);
    let m = b
        .train(
            &MergeOptions {
                merges: 100,
                min_frequency: 2,
                max_token_bytes: Some(3),
                forbidden: vec![],
                threads: 1,
            },
            &NoProgress,
        )
        .unwrap();
    assert!(m.tokens[256..].iter().all(|t| t.len() <= 3));
    assert!(!m.tokens.contains(&b"xy".to_vec()));
    assert!(m.counts.iter().all(|&c| c >= 2));
    assert_eq!(m.merges.len(), 2, "{:?}", names(&m));
}

/// Words of a naive parity-aware BPE: `(symbols, count, lane)`.
type NaiveWords = Vec<(Vec<u32>, u64, Option<usize>)>;

fn naive_apply(words: &mut NaiveWords, a: u32, b: u32, new: u32) {
    for (s, _, _) in words.iter_mut() {
        *s = replace_pair(s, a, b, new);
    }
}

/// The most frequent pair of `lane` (`None`: all words), ties to the smaller pair.
fn naive_best(words: &NaiveWords, lane: Option<usize>) -> Option<((u32, u32), u64)> {
    let mut c: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    for (s, n, l) in words {
        if lane.is_none() || *l == lane {
            for p in s.windows(2) {
                *c.entry((p[0], p[1])).or_default() += n;
            }
        }
    }
    c.into_iter()
        .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
}

/// Parity-aware BPE by full recount at every step: the reference for the incremental loop.
fn naive_parity(
    train: &[(&str, u64, Option<usize>)],
    dev: &[(&str, usize)],
    lanes: usize,
    opts: crate::parity::ParityOptions,
    merges: usize,
) -> (Vec<(u32, u32)>, Vec<u64>) {
    let mut words: NaiveWords = train
        .iter()
        .map(|(p, c, l)| (p.bytes().map(u32::from).collect(), *c, *l))
        .collect();
    let mut devw: NaiveWords = dev
        .iter()
        .map(|(p, l)| (p.bytes().map(u32::from).collect(), 1, Some(*l)))
        .collect();
    let mut sel = Selector::new(lanes, opts);
    let mut out = vec![];
    let dev_tokens = |d: &NaiveWords| {
        let mut t = vec![0u64; lanes];
        for (s, c, l) in d {
            t[l.unwrap()] += s.len() as u64 * c;
        }
        t
    };
    let mut usable = vec![true; lanes];
    while out.len() < merges {
        let toks = dev_tokens(&devw);
        let choice = sel.choose(&toks, &usable);
        let best = match choice {
            Choice::Global => naive_best(&words, None),
            Choice::Language(l) => naive_best(&words, Some(l)),
        };
        let Some(((a, b), _)) = best else {
            match choice {
                Choice::Global => break,
                Choice::Language(l) => {
                    usable[l] = false;
                    continue;
                }
            }
        };
        let new = 256 + out.len() as u32;
        naive_apply(&mut words, a, b, new);
        naive_apply(&mut devw, a, b, new);
        sel.commit(choice);
        out.push((a, b));
    }
    (out, dev_tokens(&devw))
}

fn fast_parity(
    train: &[(&str, u64, Option<usize>)],
    dev: &[(&str, usize)],
    lanes: usize,
    opts: crate::parity::ParityOptions,
    merges: usize,
    threads: usize,
) -> (Merges, ParityStats) {
    let mut b = Builder::with_lanes(lanes, 0, 0).unwrap();
    for (p, c, l) in train {
        b.add_in(p.as_bytes(), *l, *c);
    }
    let mut d = DevSet::new(lanes);
    for (p, l) in dev {
        d.add(*l, p.as_bytes(), 1);
    }
    b.train_parity(
        &MergeOptions {
            merges,
            min_frequency: 0,
            max_token_bytes: None,
            forbidden: vec![],
            threads,
        },
        d,
        Selector::new(lanes, opts),
        &NoProgress,
    )
    .unwrap()
}

#[test]
fn parity_loop_matches_a_full_recount_at_every_step() {
    use crate::parity::{ParityOptions, Window};
    // Lane 0 is frequent and cheap on dev, lane 1 rare and long on dev, the last words
    // belong to no lane (code, say): only global merges serve them.
    let train: Vec<(&str, u64, Option<usize>)> = vec![
        ("the", 50, Some(0)),
        ("then", 20, Some(0)),
        (" there", 30, Some(0)),
        ("abababab", 3, Some(0)),
        ("한국어", 4, Some(1)),
        ("한국", 6, Some(1)),
        (" 어머니", 2, Some(1)),
        ("bcbcbc", 5, Some(1)),
        ("fn main", 40, None),
        ("main()", 9, None),
    ];
    let dev: Vec<(&str, usize)> = vec![
        ("the", 0),
        (" there", 0),
        ("한국어", 1),
        (" 어머니", 1),
        ("한국", 1),
    ];
    let variants = [
        ParityOptions::classical(),
        ParityOptions::parity(),
        ParityOptions::hybrid(3),
        ParityOptions::parity().window(Window {
            size: 4,
            max_per_language: 2,
        }),
        ParityOptions::hybrid(2).window(Window {
            size: 3,
            max_per_language: 1,
        }),
    ];
    for opts in variants {
        for n in [1, 5, 12, 40] {
            let (want, want_dev) = naive_parity(&train, &dev, 2, opts, n);
            for threads in [1, 2] {
                let (m, st) = fast_parity(&train, &dev, 2, opts, n, threads);
                assert_eq!(m.merges, want, "{opts:?}, {n} merges");
                assert_eq!(st.dev_tokens_after, want_dev, "{opts:?}, {n} merges");
                let taken: u64 = st.merges_taken.iter().sum();
                assert_eq!(taken + st.global_merges, m.merges.len() as u64);
            }
        }
    }
    // Parity-aware training favours lane 1 (longer on dev) where classical favours lane 0.
    let (_, classical) = fast_parity(&train, &dev, 2, ParityOptions::classical(), 12, 1);
    let (_, parity) = fast_parity(&train, &dev, 2, ParityOptions::parity(), 12, 1);
    let max = |v: &[u64]| *v.iter().max().unwrap();
    assert!(max(&parity.dev_tokens_after) < max(&classical.dev_tokens_after));
    assert!(parity.merges_taken[1] > parity.merges_taken[0]);
}

#[test]
fn classical_merges_are_the_same_from_a_parity_builder() {
    let pieces = [
        ("abababab", 3u64),
        ("abcabc", 2),
        ("bcbcbc", 5),
        ("cabcab", 4),
    ];
    let want = run(&pieces, 8);
    let mut b = Builder::with_lanes(2, 0, 0).unwrap();
    for (i, (p, c)) in pieces.iter().enumerate() {
        b.add_in(p.as_bytes(), Some(i % 2), *c);
    }
    let got = b
        .train(
            &MergeOptions {
                merges: 8,
                min_frequency: 0,
                max_token_bytes: None,
                forbidden: vec![],
                threads: 1,
            },
            &NoProgress,
        )
        .unwrap();
    assert_eq!(got, want);
}
