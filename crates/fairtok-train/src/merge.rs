//! The merge loop: classical byte-level BPE over counted pieces.
//!
//! # Data
//!
//! Every distinct piece of at least two bytes is a **word**: its symbols (token ids, one per
//! byte at the start) live in one flat `Vec<u32>` with no per-word allocation, beside its count.
//! For every adjacent pair of symbols the loop keeps its **count** (the sum, over words, of the
//! word's count times the pair's occurrences in it; `u64`) and the list of words it occurs in.
//! A max-heap holds `(count, pair)` entries.
//!
//! # One merge
//!
//! Pop the heap top. An entry whose count is no longer the pair's count is stale (lazy
//! deletion): it is pushed back with the current count, or dropped if that is zero. Otherwise
//! the pair `(a, b)` becomes token `n`; every word on its list is rewritten in place, left to
//! right, non-overlapping (so `a a a` becomes `aa a`), and for each occurrence the neighbour
//! pairs are updated: `(x, a)` and `(b, y)` lose the word's count, `(x, n)` and `(n, y)` gain it
//! and get the word on their list. Pairs whose count grew get a fresh heap entry.
//!
//! # Ties and determinism
//!
//! The heap orders by count, then by the smaller pair `(left id, right id)`. Token ids are
//! deterministic (bytes are ids 0-255, merge `k` is id `256 + k`) and counts are sums, so the
//! result does not depend on the number of threads or on the order in which pieces were
//! counted: the same input gives byte-identical output.
//!
//! # Complexity
//!
//! Building is `O(S)` for `S` symbols in all distinct pieces. A merge costs
//! `O(Σ len(w))` over the words that contain its pair, plus `O(log H)` per heap push. Words not
//! containing the pair are never touched: there is no recount per merge.
//!
//! # Memory
//!
//! The word arena holds `3 + len` `u32` per word (length, count, symbols): `4 S + 12 W` bytes
//! for `W` words of `S` bytes in all, allocated once. Each (pair, word) list entry is 4 bytes
//! (at most `S` at the start, allocated at their exact sizes); each live pair costs about 50
//! bytes (a 16-byte index entry, a 32-byte slot); the heap 16 bytes per entry, and it is rebuilt
//! from the live pairs when stale entries outnumber them. A merged pair, or one whose count
//! drops to zero, is freed at once.
//!
//! # Parallelism
//!
//! A merge whose pair sits in at least 8,192 words splits its (sorted) word list into one run
//! per thread; the runs own disjoint ranges of the arena, and each thread records its
//! neighbour counts separately, added up in list order afterwards, so the result is the same
//! for any number of threads.

use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use crate::error::{Result, TrainError};
use crate::Progress;

/// How to train.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// Number of merges wanted (the vocabulary then has `256 + merges` ordinary tokens).
    pub merges: usize,
    /// Pairs seen fewer times than this are not merged (training stops).
    pub min_frequency: u64,
    /// No token longer than this many bytes is made.
    pub max_token_bytes: Option<usize>,
    /// Threads that rewrite the words of one merge (merges touching few words use one).
    pub threads: usize,
}

/// The result of the merge loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merges {
    /// Bytes of every ordinary token by id: ids 0-255 are the single bytes, then one per merge.
    pub tokens: Vec<Vec<u8>>,
    /// The merges in order: merge `k` makes token `256 + k` from `(left, right)`.
    pub merges: Vec<(u32, u32)>,
    /// The pair count at the time of each merge.
    pub counts: Vec<u64>,
}

#[derive(Default)]
struct PairStat {
    count: u64,
    words: Vec<u32>,
}

/// Live pairs: a small hash index (16 bytes a pair) into a slab of stats, so growing the index
/// never moves the stats.
#[derive(Default)]
struct Pairs {
    index: FxHashMap<u64, u32>,
    slab: Vec<PairStat>,
    free: Vec<u32>,
}

impl Pairs {
    fn get_mut(&mut self, k: u64) -> Option<&mut PairStat> {
        let i = *self.index.get(&k)?;
        Some(&mut self.slab[i as usize])
    }

    fn entry(&mut self, k: u64) -> &mut PairStat {
        let i = match self.index.get(&k) {
            Some(&i) => i,
            None => {
                let i = match self.free.pop() {
                    Some(i) => i,
                    None => {
                        self.slab.push(PairStat::default());
                        (self.slab.len() - 1) as u32
                    }
                };
                self.index.insert(k, i);
                i
            }
        };
        &mut self.slab[i as usize]
    }

    fn remove(&mut self, k: u64) -> Option<PairStat> {
        let i = self.index.remove(&k)?;
        self.free.push(i);
        Some(std::mem::take(&mut self.slab[i as usize]))
    }

    fn len(&self) -> usize {
        self.index.len()
    }
}

#[derive(PartialEq, Eq)]
struct Entry {
    count: u64,
    pair: u64,
}

impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.count
            .cmp(&o.count)
            .then_with(|| o.pair.cmp(&self.pair))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

fn key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// The words being merged, in one arena of `u32`: a word at offset `o` is its current length,
/// its count (two halves), then its symbols. A word is named by its offset, so reaching a word
/// touches one place in memory.
struct Words {
    arena: Vec<u32>,
    n: usize,
}

const HDR: usize = 3;

impl Words {
    #[inline]
    fn count(&self, o: usize) -> u64 {
        self.arena[o + 1] as u64 | (self.arena[o + 2] as u64) << 32
    }
}

/// Builds the words from `(piece, count)` pairs.
pub struct Builder {
    words: Words,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Builder {
        Builder {
            words: Words {
                arena: vec![],
                n: 0,
            },
        }
    }

    /// An empty builder with room for pieces of `bytes` bytes in all (pieces shorter than two
    /// bytes need not be counted), so the arena is allocated once, at its final size.
    pub fn with_capacity(pieces: usize, bytes: usize) -> Builder {
        Builder {
            words: Words {
                arena: Vec::with_capacity(bytes + HDR * pieces),
                n: 0,
            },
        }
    }

    /// Adds a piece seen `count` times. Pieces shorter than two bytes are skipped (they hold no
    /// pair).
    pub fn add(&mut self, piece: &[u8], count: u64) {
        if piece.len() < 2 || count == 0 {
            return;
        }
        let w = &mut self.words;
        w.arena.push(piece.len() as u32);
        w.arena.push(count as u32);
        w.arena.push((count >> 32) as u32);
        w.arena.extend(piece.iter().map(|&b| b as u32));
        w.n += 1;
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.n
    }

    /// Whether there is no word.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs the merge loop.
    pub fn train(self, opts: &MergeOptions, progress: &dyn Progress) -> Result<Merges> {
        train(self.words, opts, progress)
    }
}

fn train(mut w: Words, opts: &MergeOptions, progress: &dyn Progress) -> Result<Merges> {
    if w.arena.len() > u32::MAX as usize {
        return Err(TrainError::Usage(
            "the distinct pieces hold more than 4 billion bytes; lower --max-pieces".into(),
        ));
    }
    w.arena.shrink_to_fit();
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let mut merges = Vec::with_capacity(opts.merges);
    let mut counts = Vec::with_capacity(opts.merges);

    // Initial pair counts: byte pairs, a dense table. Two passes, so every word list is
    // allocated once at its exact size.
    let mut dense_count = vec![0u64; 65536];
    let mut dense_len = vec![0u32; 65536];
    let mut last = vec![u32::MAX; 65536];
    for_each_word(&w, |o, s| {
        let c = w.count(o);
        for p in s.windows(2) {
            let k = (p[0] << 8 | p[1]) as usize;
            dense_count[k] += c;
            if last[k] != o as u32 {
                last[k] = o as u32;
                dense_len[k] += 1;
            }
        }
    });
    let mut lists: Vec<Vec<u32>> = dense_len
        .iter()
        .map(|&n| Vec::with_capacity(n as usize))
        .collect();
    for_each_word(&w, |o, s| {
        for p in s.windows(2) {
            let l = &mut lists[(p[0] << 8 | p[1]) as usize];
            if l.last() != Some(&(o as u32)) {
                l.push(o as u32);
            }
        }
    });
    drop((dense_len, last));
    let mut stats = Pairs::default();
    // Pairs too long to merge (`max_token_bytes`): never merged, never pushed again.
    let mut banned: rustc_hash::FxHashSet<u64> = Default::default();
    let mut heap = BinaryHeap::new();
    for (k, (count, words)) in dense_count.into_iter().zip(lists).enumerate() {
        if count > 0 {
            let pair = key((k >> 8) as u32, (k & 255) as u32);
            *stats.entry(pair) = PairStat { count, words };
            heap.push(Entry { count, pair });
        }
    }

    progress.stage("merging", Some(opts.merges as u64));
    let mut left = Side::default();
    let mut right = Side::default();
    let threads = opts.threads.max(1);
    let mut extra: Vec<(Side, Side)> = (1..threads).map(|_| Default::default()).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| TrainError::Usage(format!("cannot start {threads} threads: {e}")))?;
    while merges.len() < opts.merges {
        let Some(Entry { count, pair }) = heap.pop() else {
            break;
        };
        if banned.contains(&pair) {
            continue;
        }
        let Some(st) = stats.get_mut(pair) else {
            continue;
        };
        if st.count != count {
            if st.count > 0 {
                heap.push(Entry {
                    count: st.count,
                    pair,
                });
            }
            continue;
        }
        if count < opts.min_frequency.max(1) {
            break;
        }
        let (a, b) = ((pair >> 32) as u32, pair as u32);
        let new_len = tokens[a as usize].len() + tokens[b as usize].len();
        if opts.max_token_bytes.is_some_and(|m| new_len > m) {
            st.words = vec![];
            banned.insert(pair);
            continue;
        }
        let new = tokens.len() as u32;
        let mut bytes = Vec::with_capacity(new_len);
        bytes.extend_from_slice(&tokens[a as usize]);
        bytes.extend_from_slice(&tokens[b as usize]);
        tokens.push(bytes);
        merges.push((a, b));
        counts.push(count);
        // A merged pair never comes back (merges only make pairs with the new token).
        let mut list = stats.remove(pair).map(|st| st.words).unwrap_or_default();
        // Sorted, the words are visited in memory order (the prefetcher hides the latency)
        // and each once.
        list.sort_unstable();
        list.dedup();
        left.reset(tokens.len());
        right.reset(tokens.len());
        let parts = if list.len() >= PAR_MIN_WORDS {
            threads
        } else {
            1
        };
        if parts == 1 {
            merge_words(&mut w.arena, 0, &list, (a, b, new), &mut left, &mut right);
        } else {
            // Contiguous runs of the sorted list own disjoint ranges of the arena.
            let chunk = list.len().div_ceil(parts);
            let runs: Vec<&[u32]> = list.chunks(chunk).collect();
            let mut slices = vec![];
            let mut rest: &mut [u32] = &mut w.arena;
            let mut base = 0usize;
            for k in 0..runs.len() {
                let end = runs.get(k + 1).map_or(base + rest.len(), |r| r[0] as usize);
                let (head, tail) = rest.split_at_mut(end - base);
                slices.push((base, head));
                rest = tail;
                base = end;
            }
            for (l, r) in extra.iter_mut() {
                l.reset(tokens.len());
                r.reset(tokens.len());
            }
            let (first, others) = slices.split_first_mut().expect("at least two runs");
            let (left_ref, right_ref) = (&mut left, &mut right);
            pool.scope(|sc| {
                for ((sl, run), (l, r)) in others.iter_mut().zip(&runs[1..]).zip(extra.iter_mut()) {
                    sc.spawn(move |_| merge_words(sl.1, sl.0, run, (a, b, new), l, r));
                }
                merge_words(first.1, first.0, runs[0], (a, b, new), left_ref, right_ref);
            });
            for (l, r) in extra.iter().take(runs.len() - 1) {
                left.absorb(l);
                right.absorb(r);
            }
        }
        drop(list);
        // New pairs first (they only gain), then the old neighbours lose: no count ever goes
        // through zero on its way.
        for (side, is_left) in [(&mut left, true), (&mut right, false)] {
            for &t in &side.touched {
                let k = if is_left { key(t, new) } else { key(new, t) };
                let c = side.sum[t as usize];
                let words = &side.words[t as usize];
                let st = stats.entry(k);
                st.count += c;
                if st.words.is_empty() {
                    // A copy at the exact size; the side keeps its buffer for the next merge.
                    st.words = words.clone();
                } else {
                    st.words.extend_from_slice(words);
                }
                heap.push(Entry {
                    count: st.count,
                    pair: k,
                });
            }
        }
        for (side, is_left) in [(&left, true), (&right, false)] {
            for &t in &side.touched {
                let k = if is_left { key(t, a) } else { key(b, t) };
                if k == pair {
                    continue;
                }
                if let Some(st) = stats.get_mut(k) {
                    let c = side.sum[t as usize];
                    debug_assert!(st.count >= c, "pair count below zero");
                    st.count = st.count.saturating_sub(c);
                    if st.count == 0 && !banned.contains(&k) {
                        stats.remove(k);
                    }
                }
            }
        }
        // Stale entries pile up in the heap: rebuild it from the live pairs now and then.
        if heap.len() > 2 * stats.len() + (1 << 16) {
            heap = stats
                .index
                .iter()
                .filter(|(k, _)| !banned.contains(k))
                .map(|(&pair, &i)| Entry {
                    count: stats.slab[i as usize].count,
                    pair,
                })
                .collect();
        }
        if merges.len() % 64 == 0 {
            progress.set(merges.len() as u64);
        }
    }
    progress.set(merges.len() as u64);
    progress.finish();
    Ok(Merges {
        tokens,
        merges,
        counts,
    })
}

/// Calls `f(offset, symbols)` for every word.
fn for_each_word(w: &Words, mut f: impl FnMut(usize, &[u32])) {
    let mut o = 0;
    while o < w.arena.len() {
        let n = w.arena[o] as usize;
        f(o, &w.arena[o + HDR..o + HDR + n]);
        o += HDR + n;
    }
}

/// Hints the CPU to load `v[i]` into the cache.
#[inline(always)]
fn prefetch(v: &[u32], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < v.len() {
        // SAFETY: prefetching is only a hint and never faults; the address is in bounds.
        #[allow(unused_unsafe)]
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(v.as_ptr().add(i) as *const i8);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

/// The neighbours of the merged pair on one side, for one merge: for each token `t`, the total
/// count of the words where `t` stands next to an occurrence, and those words. Dense arrays by
/// token id, so an occurrence costs no hashing.
#[derive(Default)]
struct Side {
    sum: Vec<u64>,
    words: Vec<Vec<u32>>,
    touched: Vec<u32>,
}

impl Side {
    fn reset(&mut self, n_tokens: usize) {
        for &t in &self.touched {
            self.sum[t as usize] = 0;
            self.words[t as usize].clear();
        }
        self.touched.clear();
        if self.sum.len() < n_tokens {
            self.sum.resize(n_tokens, 0);
            self.words.resize_with(n_tokens, Vec::new);
        }
    }

    /// Adds what another thread saw (its words come after ours in the list order).
    fn absorb(&mut self, o: &Side) {
        for &t in &o.touched {
            let ti = t as usize;
            if self.sum[ti] == 0 {
                self.touched.push(t);
            }
            self.sum[ti] += o.sum[ti];
            self.words[ti].extend_from_slice(&o.words[ti]);
        }
    }

    #[inline]
    fn add(&mut self, t: u32, c: u64, wid: u32) {
        let ti = t as usize;
        if self.sum[ti] == 0 {
            self.touched.push(t);
        }
        self.sum[ti] += c;
        let l = &mut self.words[ti];
        if l.last() != Some(&wid) {
            l.push(wid);
        }
    }
}

/// Merges below this many words run on one thread.
const PAR_MIN_WORDS: usize = 8192;

/// Rewrites the words `list` (offsets into the whole arena; `arena` is the part starting at
/// `base` that holds them all).
fn merge_words(
    arena: &mut [u32],
    base: usize,
    list: &[u32],
    (a, b, new): (u32, u32, u32),
    left: &mut Side,
    right: &mut Side,
) {
    for (i, &wi) in list.iter().enumerate() {
        // The words are far apart in memory: ask for the next ones' symbols early.
        if let Some(&ahead) = list.get(i + 8) {
            prefetch(arena, ahead as usize - base);
        }
        merge_word(arena, base, wi, a, b, new, left, right);
    }
}

/// Rewrites word `wi`, replacing each `(a, b)` by `new` left to right, and records the
/// neighbours: `(x, a)` becomes `(x, new)` on the left, `(b, y)` becomes `(new, y)` on the right.
/// In `a b a b` the first occurrence's right neighbour `a` and the second's left neighbour
/// `new` cancel out: `(new, a)` is added once and removed once, as it should be.
#[allow(clippy::too_many_arguments)]
#[inline]
fn merge_word(
    arena: &mut [u32],
    base: usize,
    wi: u32,
    a: u32,
    b: u32,
    new: u32,
    left: &mut Side,
    right: &mut Side,
) {
    let wu = wi as usize - base;
    let n = arena[wu] as usize;
    let c = arena[wu + 1] as u64 | (arena[wu + 2] as u64) << 32;
    let s = &mut arena[wu + HDR..wu + HDR + n];
    // One comparison per position (rarely true, so well predicted), and nothing is written
    // before the first occurrence.
    let is_pair = |x: u32, y: u32| (x as u64 | (y as u64) << 32) == (a as u64 | (b as u64) << 32);
    let Some(first) = s.windows(2).position(|p| is_pair(p[0], p[1])) else {
        return; // a stale entry of the list: the word no longer holds the pair
    };
    let mut out = first;
    let mut i = first;
    while i < n {
        if i + 1 < n && is_pair(s[i], s[i + 1]) {
            if out > 0 {
                left.add(s[out - 1], c, wi);
            }
            if i + 2 < n {
                right.add(s[i + 2], c, wi);
            }
            s[out] = new;
            out += 1;
            i += 2;
        } else {
            s[out] = s[i];
            out += 1;
            i += 1;
        }
    }
    arena[wu] = out as u32;
}

#[cfg(test)]
mod tests {
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
                    let mut out = vec![];
                    let mut i = 0;
                    while i < s.len() {
                        if i + 1 < s.len() && s[i] == a && s[i + 1] == b {
                            out.push(new);
                            i += 2;
                        } else {
                            out.push(s[i]);
                            i += 1;
                        }
                    }
                    *s = out;
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
}
