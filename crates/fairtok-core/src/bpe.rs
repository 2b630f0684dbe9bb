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
//! fairtok implements the heap form for both. The symbols form a doubly linked list over a
//! vector; every adjacent pair that can merge has an entry `(rank, position, new id)` in a
//! min-heap. Popping an entry whose left symbol is gone, has no right neighbour, or whose current
//! pair no longer produces the same new id is skipped (a stale entry); otherwise the two symbols
//! merge and the (at most two) new neighbour pairs are pushed. Because positions are indices in
//! the original order, "smallest position" is "leftmost", so the merge order is identical to
//! tiktoken's linear scan and to Hugging Face's heap.
//!
//! # Complexity
//!
//! With `n` initial symbols there are at most `n - 1` merges, and each merge pushes at most two
//! entries, so the heap sees at most `3n` entries: `O(n log n)` time and `O(n)` memory per
//! piece, whatever the input. (tiktoken's scan is `O(n²)` on long pieces.)

use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
    heap: BinaryHeap<Reverse<(u32, u32, u32)>>,
}

/// Merges `scratch.symbols` to completion and appends the resulting ids to `out`.
///
/// `pair(left, right)` says whether two adjacent symbols can merge: `Some((rank, new_id))` if
/// they can, where a lower rank merges first.
pub(crate) fn merge<F>(scratch: &mut Scratch, out: &mut Vec<u32>, pair: F)
where
    F: Fn(&Symbol, &Symbol) -> Option<(u32, u32)>,
{
    let syms = &mut scratch.symbols;
    let n = syms.len();
    if n <= 1 {
        out.extend(syms.iter().map(|s| s.id));
        return;
    }
    for (i, s) in syms.iter_mut().enumerate() {
        s.prev = if i == 0 { NONE } else { i as u32 - 1 };
        s.next = if i + 1 == n { NONE } else { i as u32 + 1 };
    }
    let heap = &mut scratch.heap;
    heap.clear();
    for i in 0..n - 1 {
        if let Some((rank, new_id)) = pair(&syms[i], &syms[i + 1]) {
            heap.push(Reverse((rank, i as u32, new_id)));
        }
    }
    while let Some(Reverse((_, pos, new_id))) = heap.pop() {
        let pos = pos as usize;
        let left = syms[pos];
        // A merged-away symbol has an empty range; a symbol at the end has no pair.
        if left.start == left.end || left.next == NONE {
            continue;
        }
        let right = syms[left.next as usize];
        match pair(&left, &right) {
            Some((_, id)) if id == new_id => {}
            _ => continue, // stale entry: this pair changed since it was pushed
        }
        // Merge `right` into `left`.
        let merged = Symbol {
            id: new_id,
            start: left.start,
            end: right.end,
            prev: left.prev,
            next: right.next,
        };
        syms[pos] = merged;
        let r = left.next as usize;
        syms[r].end = syms[r].start; // tombstone
        if merged.next != NONE {
            syms[merged.next as usize].prev = pos as u32;
            if let Some((rank, id)) = pair(&merged, &syms[merged.next as usize]) {
                heap.push(Reverse((rank, pos as u32, id)));
            }
        }
        if merged.prev != NONE {
            let p = merged.prev as usize;
            if let Some((rank, id)) = pair(&syms[p], &merged) {
                heap.push(Reverse((rank, p as u32, id)));
            }
        }
    }
    let mut i = 0;
    while i != NONE as usize {
        out.push(syms[i].id);
        i = syms[i].next as usize;
    }
}

/// Longest piece [`merge_scan`] takes; longer pieces go through the heap ([`merge`]).
pub(crate) const SCAN_MAX: usize = 48;

/// tiktoken's rule for a short piece of bytes, with no heap and no allocation: scan for the
/// leftmost pair of lowest rank, merge it, repeat. `O(n²)` lookups, which for `n <= SCAN_MAX`
/// is cheaper than the heap. `rank(bytes)` is the rank (= id) of a token. Gives exactly the
/// same ids as [`merge`] (see the tests).
pub(crate) fn merge_scan(
    piece: &[u8],
    byte_ids: &[u32; 256],
    rank: impl Fn(&[u8]) -> Option<u32>,
    out: &mut Vec<u32>,
) {
    let n = piece.len();
    debug_assert!((2..=SCAN_MAX).contains(&n));
    // Part k covers piece[bounds[k]..bounds[k + 1]], has id ids[k], and merging it with part
    // k + 1 has rank ranks[k] (u32::MAX: cannot merge).
    let mut bounds = [0u8; SCAN_MAX + 1];
    let mut ids = [0u32; SCAN_MAX];
    let mut ranks = [u32::MAX; SCAN_MAX];
    for k in 0..n {
        bounds[k] = k as u8;
        ids[k] = byte_ids[piece[k] as usize];
    }
    bounds[n] = n as u8;
    for k in 0..n - 1 {
        ranks[k] = rank(&piece[k..k + 2]).unwrap_or(u32::MAX);
    }
    let mut m = n;
    loop {
        let (mut best, mut at) = (u32::MAX, 0);
        for (k, &r) in ranks[..m - 1].iter().enumerate() {
            if r < best {
                best = r;
                at = k;
            }
        }
        if best == u32::MAX {
            break;
        }
        // Merge part `at` with part `at + 1`.
        ids[at] = best;
        bounds.copy_within(at + 2..=m, at + 1);
        ids.copy_within(at + 2..m, at + 1);
        ranks.copy_within(at + 2..m, at + 1);
        m -= 1;
        let span = |a: usize, b: usize| {
            rank(&piece[bounds[a] as usize..bounds[b] as usize]).unwrap_or(u32::MAX)
        };
        ranks[at] = if at + 1 < m {
            span(at, at + 2)
        } else {
            u32::MAX
        };
        if at > 0 {
            ranks[at - 1] = span(at - 1, at + 1);
        }
    }
    out.extend_from_slice(&ids[..m]);
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
        merge_scan(piece, &byte_ids, |t| ranks.get(t).copied(), &mut out);
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
            for _ in 0..20 {
                let len = 1 + (next() % 24) as usize;
                let piece: Vec<u8> = (0..len).map(|_| b'a' + (next() % 4) as u8).collect();
                assert_eq!(heap_merge(&piece, &ranks), scan_merge(&piece, &ranks));
                if piece.len() >= 2 {
                    assert_eq!(small_merge(&piece, &ranks), scan_merge(&piece, &ranks));
                }
            }
        }
    }
}
