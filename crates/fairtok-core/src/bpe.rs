//! The byte-pair merge loop shared by every tokenizer format.
//!
//! # Algorithm
//!
//! A piece (one pre-token) starts as a sequence of symbols: single bytes for tiktoken, single
//! characters (or byte-fallback tokens) for Hugging Face models. Then, repeatedly, among all
//! adjacent pairs of symbols that can merge, the one with the **lowest rank** is merged; ties go
//! to the **leftmost** pair. The loop stops when no adjacent pair can merge.
//!
//! That is exactly the rule of both reference libraries:
//!
//! * tiktoken scans all pairs for the minimum rank, leftmost first, where a pair's rank is the
//!   rank of the concatenated bytes in the vocabulary (and the merged token's id is that rank);
//! * Hugging Face `tokenizers` pops a heap ordered by (merge rank, position), where the rank is
//!   the index of the pair in the `merges` list, and skips entries whose pair has changed.
//!
//! fairtok implements that rule for both. The symbols form a doubly linked list over a vector,
//! and each symbol records the `(rank, new id)` of the pair it forms with its right neighbour.
//! Short tiktoken pieces use the scan ([`merge_scan`]). Longer ones go rank by rank
//! ([`merge`]): the positions of the pairs of each rank wait in a bucket, the pending ranks in
//! a small heap; the lowest rank's bucket is sorted and its pairs merge left to right, skipping
//! positions whose pair has changed since (stale). A merge's new pairs contain its new token,
//! so in a vocabulary made by BPE their ranks are higher and this is exactly "lowest rank,
//! then leftmost"; when a merge makes a pair of a rank not above the current one (possible in
//! a hand-made vocabulary), the loop finishes with a plain `(rank, position)` heap over the
//! current pairs, the rule itself. Positions are indices in the original order, so "smallest
//! position" is "leftmost".
//!
//! # Complexity
//!
//! With `n` initial symbols there are at most `n - 1` merges, and each merge adds at most two
//! pairs, so at most `3n` positions are bucketed (or pushed): `O(n log n)` time and `O(n)`
//! memory per piece, whatever the input, and in practice one sort per distinct rank instead of
//! a heap operation per pair. tiktoken's scan is `O(n²)` on long pieces (its recent versions
//! switch to a heap past 100 bytes).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

/// Marks "no neighbour" in the linked list.
const NONE: u32 = u32::MAX;

/// One symbol of a piece being merged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Symbol {
    /// The token id this symbol stands for.
    pub id: u32,
    /// Start of the symbol in the piece, in bytes.
    pub start: u32,
    /// End of the symbol in the piece, in bytes (exclusive).
    pub end: u32,
    prev: u32,
    next: u32,
}

impl Symbol {
    /// A symbol for `id` covering `start..end` of the piece.
    pub fn new(id: u32, start: usize, end: usize) -> Symbol {
        Symbol {
            id,
            start: start as u32,
            end: end as u32,
            prev: NONE,
            next: NONE,
        }
    }
}

/// Reusable buffers for [`merge`].
#[derive(Default)]
pub(crate) struct Scratch {
    /// The symbols of the current piece, in order. Filled by the caller.
    pub symbols: Vec<Symbol>,
    /// `(rank, new id)` of the pair each symbol forms with its right neighbour (`NONE` rank:
    /// none). The single source of truth about which merges are possible.
    pairs: Vec<(u32, u32)>,
    /// Positions of the pairs of each pending rank (may hold stale positions).
    buckets: FxHashMap<u32, Vec<u32>>,
    /// The pending ranks (those with a bucket), smallest first.
    ranks: BinaryHeap<Reverse<u32>>,
    /// Emptied bucket vectors, kept for their capacity.
    spare: Vec<Vec<u32>>,
    /// The ids of whole characters a short merge starts from (`syllables.rs`).
    pub char_ids: Vec<u32>,
    heap: BinaryHeap<Reverse<u64>>,
}

impl Scratch {
    /// Records the pair at `pos`: `Some((rank, new id))` files `pos` in the bucket of `rank`
    /// (opening the bucket, and queueing the rank, if it is new); `None` marks that no pair
    /// starts there any more.
    #[inline]
    fn set_pair(&mut self, pos: usize, p: Option<(u32, u32)>) {
        match p {
            Some((rank, id)) => {
                self.pairs[pos] = (rank, id);
                let Scratch {
                    buckets,
                    ranks,
                    spare,
                    ..
                } = self;
                buckets
                    .entry(rank)
                    .or_insert_with(|| {
                        ranks.push(Reverse(rank));
                        spare.pop().unwrap_or_default()
                    })
                    .push(pos as u32);
            }
            None => self.pairs[pos] = (NONE, NONE),
        }
    }
}

/// Merges `scratch.symbols` to completion and appends the resulting ids to `out`.
///
/// `pair(left, right)` says whether two adjacent symbols can merge: `Some((rank, new_id))` if
/// they can, where a lower rank merges first. A rank must identify the merge: two pairs with the
/// same rank starting at the same position are the same pair (true of tiktoken, where the rank
/// is that of the merged bytes, and of Hugging Face, where it is the index of `(left, right)` in
/// the merges).
///
/// # Rank by rank
///
/// The pairs are kept in buckets by rank, and the pending ranks in a small heap. A merge of
/// rank `r` makes pairs that contain its new token, so (the rank identifying the merge) none of
/// rank `r`; in a vocabulary trained by BPE they all have ranks above `r`. Then all the pairs
/// of rank `r` present when `r` comes up merge left to right, exactly in the heap's order
/// (lowest rank, then leftmost), and each bucket is sorted once instead of every entry paying
/// `O(log n)` in a heap. If a merge ever makes a pair of rank `<= r` (a hand-made vocabulary),
/// the loop switches to the plain heap over the current pairs, which is the rule itself.
pub(crate) fn merge<F>(scratch: &mut Scratch, out: &mut Vec<u32>, pair: F)
where
    F: Fn(&Symbol, &Symbol) -> Option<(u32, u32)>,
{
    let n = scratch.symbols.len();
    if n <= 1 {
        out.extend(scratch.symbols.iter().map(|s| s.id));
        return;
    }
    for (i, s) in scratch.symbols.iter_mut().enumerate() {
        s.prev = if i == 0 { NONE } else { i as u32 - 1 };
        s.next = if i + 1 == n { NONE } else { i as u32 + 1 };
    }
    scratch.pairs.clear();
    scratch.pairs.resize(n, (NONE, NONE));
    scratch.ranks.clear();
    for (_, mut v) in scratch.buckets.drain() {
        v.clear();
        scratch.spare.push(v);
    }
    for i in 0..n - 1 {
        let p = pair(&scratch.symbols[i], &scratch.symbols[i + 1]);
        if p.is_some() {
            scratch.set_pair(i, p);
        }
    }
    let mut fallback = false;
    'ranks: while let Some(Reverse(rank)) = scratch.ranks.pop() {
        let mut list = scratch.buckets.remove(&rank).unwrap_or_default();
        // Often pushed in order already (a run of one character merges left to right).
        if !list.windows(2).all(|w| w[0] <= w[1]) {
            list.sort_unstable();
        }
        list.dedup();
        for &pos in &list {
            let pos = pos as usize;
            // A stale position: its pair changed (or its symbol merged away) since.
            if scratch.pairs[pos].0 != rank {
                continue;
            }
            let (low_prev, low_next) = merge_at(scratch, pos, &pair);
            if low_prev.is_some_and(|r| r <= rank) || low_next.is_some_and(|r| r <= rank) {
                fallback = true;
                list.clear();
                scratch.spare.push(list);
                break 'ranks;
            }
        }
        list.clear();
        scratch.spare.push(list);
    }
    if fallback {
        merge_heap(scratch, &pair);
    }
    let syms = &scratch.symbols;
    let mut i = 0;
    while i != NONE as usize {
        out.push(syms[i].id);
        i = syms[i].next as usize;
    }
}

/// Merges the pair at `pos` (which is possible) and records the new pairs on both sides;
/// returns their ranks.
#[inline]
fn merge_at<F>(scratch: &mut Scratch, pos: usize, pair: &F) -> (Option<u32>, Option<u32>)
where
    F: Fn(&Symbol, &Symbol) -> Option<(u32, u32)>,
{
    let syms = &mut scratch.symbols;
    let left = syms[pos];
    let r = left.next as usize;
    let right = syms[r];
    let merged = Symbol {
        id: scratch.pairs[pos].1,
        start: left.start,
        end: right.end,
        prev: left.prev,
        next: right.next,
    };
    syms[pos] = merged;
    scratch.pairs[r] = (NONE, NONE); // `right` is gone
    let mut after = None;
    let mut before = None;
    if merged.next != NONE {
        let nx = merged.next as usize;
        syms[nx].prev = pos as u32;
        let p = pair(&merged, &syms[nx]);
        after = p.map(|p| p.0);
        scratch.set_pair(pos, p);
    } else {
        scratch.pairs[pos] = (NONE, NONE);
    }
    if merged.prev != NONE {
        let pv = merged.prev as usize;
        let p = pair(&scratch.symbols[pv], &merged);
        before = p.map(|p| p.0);
        scratch.set_pair(pv, p);
    }
    (before, after)
}

/// The merge rule with a heap of `(rank, position)` over the current pairs of `scratch`:
/// pop the lowest rank, leftmost first; skip entries whose pair has changed since.
fn merge_heap<F>(scratch: &mut Scratch, pair: &F)
where
    F: Fn(&Symbol, &Symbol) -> Option<(u32, u32)>,
{
    let key = |rank: u32, pos: usize| Reverse(((rank as u64) << 32) | pos as u64);
    let mut heap = std::mem::take(&mut scratch.heap);
    heap.clear();
    let mut i = 0;
    while i != NONE as usize {
        if scratch.pairs[i].0 != NONE {
            heap.push(key(scratch.pairs[i].0, i));
        }
        i = scratch.symbols[i].next as usize;
    }
    while let Some(Reverse(k)) = heap.pop() {
        let (rank, pos) = ((k >> 32) as u32, (k & 0xFFFF_FFFF) as usize);
        if scratch.pairs[pos].0 != rank {
            continue; // stale
        }
        let prev = scratch.symbols[pos].prev;
        let (before, after) = merge_at(scratch, pos, pair);
        if let Some(r) = after {
            heap.push(key(r, pos));
        }
        if let Some(r) = before {
            heap.push(key(r, prev as usize));
        }
    }
    // The buckets filled by `merge_at` are not needed here.
    scratch.ranks.clear();
    for (_, mut v) in scratch.buckets.drain() {
        v.clear();
        scratch.spare.push(v);
    }
    scratch.heap = heap;
}

/// Longest piece [`merge_scan`] takes; longer pieces merge rank by rank ([`merge`]).
pub(crate) const SCAN_MAX: usize = 48;
const _: () = assert!(
    SCAN_MAX <= 64,
    "a position in a key of merge_scan has 6 bits"
);
const _: () = assert!(
    SCAN_MAX.is_multiple_of(8),
    "the scans go eight ranks at a time"
);

/// Ranks below this fit in the keys of [`merge_scan`], beside a position of 6 bits.
pub(crate) const SCAN_RANK_LIMIT: u32 = (1 << 26) - 1;

/// The keys of [`merge_scan`] from this one on stand for "no pair here": a pair that is no
/// token gets `SCAN_RANK_LIMIT << 6 | k` (no branch), a part merged away `u32::MAX`.
const NO_PAIR: u32 = SCAN_RANK_LIMIT << 6;

/// tiktoken's rule for a short piece of bytes, with no heap and no allocation: scan for the
/// leftmost pair of lowest rank, merge it, repeat. `O(n²)` work, which for `n <= SCAN_MAX`
/// is cheaper than the heap. `rank(bytes)` is the rank (= id) of a token, and every rank must
/// be below [`SCAN_RANK_LIMIT`] (the caller checks its vocabulary). Gives exactly the same ids
/// as [`merge`] (see the tests).
///
/// The parts are kept in place, not compacted: part `k` (a live part starts at byte `k`) ends
/// at byte `end[k]`, which is where the next part starts, and starts after part `prev[k]`. The
/// pair that part `k` forms with the next one has the key `rank << 6 | k`, and a key of at
/// least `NO_PAIR` when there is none (or `k` merged away): the smallest key is the lowest
/// rank at its leftmost position, so one branch-free minimum over the keys (which the compiler
/// vectorizes) finds the next merge, and a merge moves no memory.
pub(crate) fn merge_scan(
    piece: &[u8],
    start: &Start<'_>,
    rank: impl Fn(&[u8]) -> Option<u32>,
    out: &mut Vec<u32>,
) {
    merge_scan_body(piece, start, rank, out)
}

/// The parts [`merge_scan`] starts from: single bytes, then (from byte `from` on, if it is in
/// the piece) whole three-byte characters with the ids `char_ids`, one per character. Starting
/// from whole characters gives tiktoken's ids only when `syllables.rs` says so.
pub(crate) struct Start<'a> {
    /// The id of each single byte.
    pub byte_ids: &'a [u32; 256],
    /// Where the whole characters start (`usize::MAX`: none).
    pub from: usize,
    /// The ids of the whole characters.
    pub char_ids: &'a [u32],
}

impl<'a> Start<'a> {
    /// Single bytes only.
    pub fn bytes(byte_ids: &'a [u32; 256]) -> Start<'a> {
        Start {
            byte_ids,
            from: usize::MAX,
            char_ids: &[],
        }
    }
}

/// Whether this CPU runs [`merge_scan_sse41`].
pub(crate) fn has_sse41() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("sse4.1");
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// [`merge_scan`] compiled for SSE4.1, whose `pminud` takes the minimum of four keys in one
/// instruction (x86-64's baseline, SSE2, needs five or six to compare unsigned integers). The
/// same code, so the same ids (tested).
///
/// # Safety
///
/// The CPU must have SSE4.1 ([`has_sse41`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.1")]
pub(crate) unsafe fn merge_scan_sse41(
    piece: &[u8],
    start: &Start<'_>,
    rank: impl Fn(&[u8]) -> Option<u32>,
    out: &mut Vec<u32>,
) {
    merge_scan_body(piece, start, rank, out)
}

/// The body of [`merge_scan`], inlined into each of its compilations.
#[inline(always)]
fn merge_scan_body(
    piece: &[u8],
    start: &Start<'_>,
    rank: impl Fn(&[u8]) -> Option<u32>,
    out: &mut Vec<u32>,
) {
    let n = piece.len();
    debug_assert!((2..=SCAN_MAX).contains(&n));
    let key = |k: usize, r: Option<u32>| {
        debug_assert!(r.is_none_or(|r| r < SCAN_RANK_LIMIT));
        r.unwrap_or(SCAN_RANK_LIMIT) << 6 | k as u32
    };
    let mut end = [0u8; SCAN_MAX];
    let mut prev = [0u8; SCAN_MAX];
    let mut ids = [0u32; SCAN_MAX];
    let mut keys = [u32::MAX; SCAN_MAX];
    let from = start.from.min(n);
    debug_assert_eq!(n - from, 3 * start.char_ids.len());
    for k in 0..from {
        end[k] = k as u8 + 1;
        prev[k] = k.wrapping_sub(1) as u8;
        ids[k] = start.byte_ids[piece[k] as usize];
    }
    if from == n {
        for k in 0..n - 1 {
            keys[k] = key(k, rank(&piece[k..k + 2]));
        }
    } else {
        for (j, &id) in start.char_ids.iter().enumerate() {
            let k = from + 3 * j;
            end[k] = k as u8 + 3;
            prev[k] = if j == 0 { k.wrapping_sub(1) } else { k - 3 } as u8;
            ids[k] = id;
        }
        let mut k = 0;
        while (end[k] as usize) < n {
            let next = end[k] as usize;
            keys[k] = key(k, rank(&piece[k..end[next] as usize]));
            k = next;
        }
    }
    // The scan covers a multiple of eight keys, so that it needs no scalar tail: the keys past
    // the last pair are all u32::MAX (no pair).
    let m = (n - 1).next_multiple_of(8);
    loop {
        let best = keys[..m].iter().fold(u32::MAX, |a, &k| a.min(k));
        if best >= NO_PAIR {
            break;
        }
        let at = (best & 63) as usize;
        // Merge part `at` with the part after it.
        let next = end[at] as usize;
        ids[at] = best >> 6;
        keys[next] = u32::MAX;
        let new_end = end[next] as usize;
        end[at] = new_end as u8;
        keys[at] = if new_end < n {
            prev[new_end] = at as u8;
            key(at, rank(&piece[at..end[new_end] as usize]))
        } else {
            u32::MAX
        };
        if at > 0 {
            let p = prev[at] as usize;
            keys[p] = key(p, rank(&piece[p..new_end]));
        }
    }
    let mut k = 0;
    while k < n {
        out.push(ids[k]);
        k = end[k] as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashMap;

    /// tiktoken's own O(n²) rule, written the simple way, as an oracle.
    fn scan_merge(piece: &[u8], ranks: &FxHashMap<Vec<u8>, u32>) -> Vec<u32> {
        let mut parts: Vec<(usize, usize)> = (0..piece.len()).map(|i| (i, i + 1)).collect();
        loop {
            let mut best: Option<(u32, usize)> = None;
            for i in 0..parts.len().saturating_sub(1) {
                if let Some(&r) = ranks.get(&piece[parts[i].0..parts[i + 1].1]) {
                    if best.is_none_or(|(br, _)| r < br) {
                        best = Some((r, i));
                    }
                }
            }
            let Some((_, i)) = best else { break };
            parts[i].1 = parts[i + 1].1;
            parts.remove(i + 1);
        }
        parts.iter().map(|&(s, e)| ranks[&piece[s..e]]).collect()
    }

    fn heap_merge(piece: &[u8], ranks: &FxHashMap<Vec<u8>, u32>) -> Vec<u32> {
        let mut scratch = Scratch::default();
        scratch
            .symbols
            .extend((0..piece.len()).map(|i| Symbol::new(ranks[&piece[i..i + 1]], i, i + 1)));
        let mut out = vec![];
        merge(&mut scratch, &mut out, |a, b| {
            ranks
                .get(&piece[a.start as usize..b.end as usize])
                .map(|&r| (r, r))
        });
        out
    }

    fn small_merge(piece: &[u8], ranks: &FxHashMap<Vec<u8>, u32>) -> Vec<u32> {
        let mut byte_ids = [0u32; 256];
        for b in b'a'..=b'd' {
            byte_ids[b as usize] = ranks.get(&vec![b]).copied().unwrap_or(0);
        }
        let mut out = vec![];
        merge_scan(
            piece,
            &Start::bytes(&byte_ids),
            |t| ranks.get(t).copied(),
            &mut out,
        );
        #[cfg(target_arch = "x86_64")]
        if has_sse41() {
            // The SSE4.1 build of the same code gives the same ids.
            let mut fast = vec![];
            // SAFETY: the CPU has SSE4.1, asked just above.
            unsafe {
                merge_scan_sse41(
                    piece,
                    &Start::bytes(&byte_ids),
                    |t| ranks.get(t).copied(),
                    &mut fast,
                )
            };
            assert_eq!(fast, out, "{piece:?}");
        }
        out
    }

    #[test]
    fn merges_by_lowest_rank_then_leftmost() {
        let mut ranks = FxHashMap::default();
        for (i, t) in ["a", "b", "c", "ab", "bc", "abc", "aa", "aaa"]
            .iter()
            .enumerate()
        {
            ranks.insert(t.as_bytes().to_vec(), i as u32);
        }
        // "ab" (3) beats "bc" (4); then "ab"+"c" = "abc" (5).
        assert_eq!(heap_merge(b"abc", &ranks), vec![5]);
        // Ties go left: "aa" "aa" ... then "aaa" cannot form from "aa"+"aa".
        assert_eq!(heap_merge(b"aaaa", &ranks), vec![6, 6]);
        assert_eq!(heap_merge(b"aaa", &ranks), vec![7]);
        for piece in [&b"abcabcaab"[..], b"cba", b"aaaaaaa", b"babababc"] {
            assert_eq!(heap_merge(piece, &ranks), scan_merge(piece, &ranks));
            assert_eq!(small_merge(piece, &ranks), scan_merge(piece, &ranks));
        }
    }

    #[test]
    fn a_merge_that_makes_a_lower_rank_switches_to_the_heap() {
        // "abc" ranks below "ab": merging "ab" makes a pair of a lower rank than the one being
        // merged, which the rank-by-rank loop hands to the heap.
        let mut ranks = FxHashMap::default();
        for (i, t) in ["a", "b", "c", "abc", "bc", "ab", "ca", "cab"]
            .iter()
            .enumerate()
        {
            ranks.insert(t.as_bytes().to_vec(), i as u32);
        }
        for piece in [&b"abcabcab"[..], b"ababcbcab", b"cabcabcabab"] {
            assert_eq!(heap_merge(piece, &ranks), scan_merge(piece, &ranks));
        }
        let long: Vec<u8> = b"abcab".iter().cycle().take(301).copied().collect();
        assert_eq!(heap_merge(&long, &ranks), scan_merge(&long, &ranks));
    }

    #[test]
    fn agrees_with_the_scan_on_pseudo_random_vocabularies() {
        // A small deterministic generator, so the test needs no extra crate.
        let mut state = 0x9e3779b97f4a7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200 {
            let mut ranks: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
            let mut order: Vec<Vec<u8>> = (b'a'..=b'd').map(|b| vec![b]).collect();
            for _ in 0..30 {
                let len = 2 + (next() % 4) as usize;
                let tok: Vec<u8> = (0..len).map(|_| b'a' + (next() % 4) as u8).collect();
                if !order.contains(&tok) {
                    order.push(tok);
                }
            }
            // Shuffle the multi-byte ranks.
            for i in (5..order.len()).rev() {
                let j = 4 + (next() as usize % (i - 3));
                order.swap(i, j);
            }
            for (i, t) in order.iter().enumerate() {
                ranks.insert(t.clone(), i as u32);
            }
            for k in 0..20 {
                // Mostly short pieces, some long enough to have many merges of one rank.
                let len = 1 + (next() % if k % 5 == 0 { 300 } else { 24 }) as usize;
                let piece: Vec<u8> = (0..len).map(|_| b'a' + (next() % 4) as u8).collect();
                assert_eq!(heap_merge(&piece, &ranks), scan_merge(&piece, &ranks));
                if (2..=SCAN_MAX).contains(&piece.len()) {
                    assert_eq!(small_merge(&piece, &ranks), scan_merge(&piece, &ranks));
                }
            }
        }
    }
}
