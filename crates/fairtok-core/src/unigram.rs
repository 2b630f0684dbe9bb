//! Unigram segmentation: the best-scoring split of a text into vocabulary pieces (Viterbi), as
//! the SentencePiece library (`unigram::Model::EncodeOptimized`) and Hugging Face tokenizers
//! (`Unigram::encode_optimized`) compute it.
//!
//! # Algorithm
//!
//! `best[e]` is the best path that ends at byte `e`: its score, where its last piece starts and
//! that piece's id. Positions `s` are visited from left to right, one character at a time; from
//! each, the [`PieceTrie`] gives every piece that starts at `s` (shortest first), and the piece
//! ending at `e` replaces `best[e]` when `best[s] + score` is **strictly** greater. So on a tie
//! the path found first wins: the one whose last piece starts earliest, that is the longest
//! last piece, exactly as both references break ties. Where no piece of one character starts
//! at `s`, an unknown piece of that one character is offered with the unknown score. The path
//! is read back from the end.
//!
//! Time: `O(n · L)` trie steps for `n` bytes and pieces of at most `L` bytes; memory: one node
//! per byte.
//!
//! # Arithmetic
//!
//! The two references add scores in different precisions: SentencePiece (0.2.3) stores scores
//! and path sums as `f32` and adds them in `f32`; Hugging Face uses `f64` throughout. A near
//! tie can go either way depending on it, so the caller gives each candidate's sum as an `f64`
//! computed as its reference computes it, and the path sums are stored in the reference's type
//! ([`Score`]).
//!
//! SentencePiece also keeps its `f32` sums small: when the sum at the current start passes
//! 10^5 in magnitude, that sum is subtracted (in `f32`) from every path sum already reached,
//! from the current start to the farthest end offered so far, and the walk goes on from 0.
//! Which near ties break which way on a long text depends on these subtractions, so the caller
//! passes the library's threshold ([`segment`]'s `rebase_beyond`) and they are made at the
//! same points and rounded the same way. (Without them, ALBERT on 4 MiB of Korean as one
//! string gave 891,160 tokens where the library gives 891,169.)

use rustc_hash::FxHashMap;

/// A byte trie of vocabulary pieces, for "every piece that is a prefix of this text".
#[derive(Debug, Default, Clone)]
pub(crate) struct PieceTrie {
    /// (node, byte) → child node. Node 0 is the root.
    edges: FxHashMap<(u32, u8), u32>,
    /// node → the id of the piece that ends there, if any.
    ids: Vec<Option<u32>>,
}

impl PieceTrie {
    /// An empty trie.
    pub fn new() -> PieceTrie {
        PieceTrie {
            edges: FxHashMap::default(),
            ids: vec![None],
        }
    }

    /// Adds a piece (a later insertion of the same piece replaces the id).
    pub fn insert(&mut self, piece: &[u8], id: u32) {
        let mut node = 0u32;
        for &b in piece {
            node = match self.edges.get(&(node, b)) {
                Some(&n) => n,
                None => {
                    let n = self.ids.len() as u32;
                    self.ids.push(None);
                    self.edges.insert((node, b), n);
                    n
                }
            };
        }
        self.ids[node as usize] = Some(id);
    }

    /// Calls `found(length, id)` for every piece that is a prefix of `text`, shortest first.
    pub fn prefixes(&self, text: &[u8], mut found: impl FnMut(usize, u32)) {
        let mut node = 0u32;
        for (i, &b) in text.iter().enumerate() {
            match self.edges.get(&(node, b)) {
                Some(&n) => node = n,
                None => return,
            }
            if let Some(id) = self.ids[node as usize] {
                found(i + 1, id);
            }
        }
    }

    /// The length of the longest piece that is a prefix of `text`.
    pub fn longest(&self, text: &[u8]) -> Option<usize> {
        let mut best = None;
        self.prefixes(text, |len, _| best = Some(len));
        best
    }
}

/// How a reference stores path sums: `f32` (SentencePiece) or `f64` (Hugging Face).
pub(crate) trait Score: Copy + Default {
    /// The stored sum, widened exactly.
    fn widen(self) -> f64;
    /// A candidate sum stored (rounded to nearest, as a C++ assignment does).
    fn store(x: f64) -> Self;
    /// `self - offset`, rounded as the type's own subtraction rounds.
    fn minus(self, offset: Self) -> Self {
        Self::store(self.widen() - offset.widen())
    }
}

impl Score for f32 {
    fn widen(self) -> f64 {
        f64::from(self)
    }
    fn store(x: f64) -> f32 {
        x as f32
    }
}

impl Score for f64 {
    fn widen(self) -> f64 {
        self
    }
    fn store(x: f64) -> f64 {
        x
    }
}

#[derive(Clone, Copy)]
struct Node<S> {
    score: S,
    start: Option<u32>,
    id: u32,
}

/// One piece of a segmentation: its byte range in the text and its id.
pub(crate) type Piece = (usize, usize, u32);

/// The best segmentation of `text` into pieces of `trie`, appended to `out` in text order.
///
/// `candidate(sum_so_far, id, length)` gives the path sum through the piece `id` of `length`
/// bytes, or `None` to skip that piece; `unknown(sum_so_far)` the sum through an unknown piece
/// of one character, whose id is `unk`. With `rebase_beyond = Some(t)`, a sum at the current
/// start beyond `±t` is subtracted from the sums reached from there on, as SentencePiece does
/// (module docs). A text of 2^32 bytes or more is one the callers split before (their line
/// and record limits are far below).
pub(crate) fn segment<S: Score>(
    text: &str,
    trie: &PieceTrie,
    candidate: impl Fn(S, u32, usize) -> Option<f64>,
    unknown: impl Fn(S) -> f64,
    unk: u32,
    rebase_beyond: Option<f64>,
    out: &mut Vec<Piece>,
) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let empty = Node {
        score: S::default(),
        start: None,
        id: 0,
    };
    let mut best = vec![empty; n + 1];
    // The farthest end offered so far: the sums to rebase lie between the start and it.
    let mut frontier = 0;
    let mut start = 0;
    while start < n {
        if let Some(limit) = rebase_beyond {
            let offset = best[start].score;
            if offset.widen().abs() > limit {
                rebase(&mut best[start..=frontier.max(start)], offset);
            }
        }
        let here = best[start].score;
        let char_len = utf8_len(bytes[start]).min(n - start);
        let mut single = false;
        trie.prefixes(&bytes[start..], |len, id| {
            if let Some(sum) = candidate(here, id, len) {
                offer(&mut best, &mut frontier, start + len, start, sum, id);
                single |= len == char_len;
            }
        });
        if !single {
            offer(
                &mut best,
                &mut frontier,
                start + char_len,
                start,
                unknown(here),
                unk,
            );
        }
        start += char_len;
    }
    let first = out.len();
    let mut end = n;
    while end > 0 {
        let node = best[end];
        // Every end reached from the left has a node: the unknown piece guarantees a path.
        let Some(start) = node.start else { break };
        out.push((start as usize, end, node.id));
        end = start as usize;
    }
    out[first..].reverse();
}

/// Offers the piece `start..end` with path sum `sum`: it replaces `best[end]` when that is
/// unreached or `sum` is strictly greater (so on a tie the piece offered first stays).
fn offer<S: Score>(
    best: &mut [Node<S>],
    frontier: &mut usize,
    end: usize,
    start: usize,
    sum: f64,
    id: u32,
) {
    *frontier = (*frontier).max(end);
    let node = &mut best[end];
    if node.start.is_none() || sum > node.score.widen() {
        *node = Node {
            score: S::store(sum),
            start: Some(start as u32),
            id,
        };
    }
}

/// Subtracts `offset` from the first node's sum and from every reached node's sum.
fn rebase<S: Score>(nodes: &mut [Node<S>], offset: S) {
    for (i, node) in nodes.iter_mut().enumerate() {
        if i == 0 || node.start.is_some() {
            node.score = node.score.minus(offset);
        }
    }
}

/// The length of the UTF-8 sequence that `lead` starts (1 for a byte that starts none).
pub(crate) fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(pieces: &[(&str, u32)]) -> PieceTrie {
        let mut t = PieceTrie::new();
        for (p, id) in pieces {
            t.insert(p.as_bytes(), *id);
        }
        t
    }

    fn run(text: &str, t: &PieceTrie, scores: &[f64]) -> Vec<u32> {
        run_rebased(text, t, scores, None)
    }

    fn run_rebased(text: &str, t: &PieceTrie, scores: &[f64], rebase: Option<f64>) -> Vec<u32> {
        let mut out = Vec::new();
        segment::<f64>(
            text,
            t,
            |s, id, _| Some(s + scores[id as usize]),
            |s| s - 100.0,
            99,
            rebase,
            &mut out,
        );
        let mut end = 0;
        for &(s, e, _) in &out {
            assert_eq!(s, end, "pieces cover the text in order");
            end = e;
        }
        assert_eq!(end, text.len());
        out.into_iter().map(|p| p.2).collect()
    }

    #[test]
    fn best_path_and_unknown() {
        let t = trie(&[("a", 0), ("b", 1), ("ab", 2), ("abc", 3), ("c", 4)]);
        // "ab" (-1) beats "a"+"b" (-2); "abc" (-5) loses to "ab"+"c" (-2).
        assert_eq!(run("abc", &t, &[-1.0, -1.0, -1.0, -5.0, -1.0]), [2, 4]);
        assert_eq!(run("abc", &t, &[-1.0, -1.0, -1.0, -1.5, -1.0]), [3]);
        // A character without a piece of its own is the unknown id.
        assert_eq!(run("a가b", &t, &[-1.0, -1.0, -1.0, -5.0, -1.0]), [0, 99, 1]);
    }

    #[test]
    fn ties_go_to_the_longest_last_piece() {
        let t = trie(&[("a", 0), ("b", 1), ("ab", 2)]);
        assert_eq!(run("ab", &t, &[-1.0, -1.0, -2.0]), [2]);
    }

    #[test]
    fn rebasing_exact_sums_changes_no_choice() {
        // With integer scores every sum is exact, so subtracting the sum at a start from the
        // sums reached beyond it keeps every comparison: the segmentation must not change,
        // however often it happens (a threshold of 0.5 rebases at nearly every character).
        let t = trie(&[
            ("a", 0),
            ("b", 1),
            ("ab", 2),
            ("abc", 3),
            ("c", 4),
            ("bca", 5),
        ]);
        let scores = [-1.0, -2.0, -2.0, -4.0, -1.0, -3.0];
        let text = "abcabcaxbcabbca가abc".repeat(7);
        let plain = run(&text, &t, &scores);
        for limit in [0.5, 3.0, 10.0, 1e9] {
            assert_eq!(
                run_rebased(&text, &t, &scores, Some(limit)),
                plain,
                "limit {limit}"
            );
        }
    }

    #[test]
    fn trie_lookups() {
        let t = trie(&[("ab", 1), ("abcd", 2)]);
        assert_eq!(t.longest(b"abcdef"), Some(4));
        assert_eq!(t.longest(b"abc"), Some(2));
        assert_eq!(t.longest(b"x"), None);
    }
}
