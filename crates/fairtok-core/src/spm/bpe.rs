//! SentencePiece's BPE (`bpe::Model::SampleEncode` without dropout): merges by piece score.
//!
//! The normalized text starts as one symbol per character, except that a user-defined symbol
//! (longest first) is one symbol that never merges. Every adjacent pair whose concatenation is
//! a piece is a candidate; the candidate with the highest score of its piece is merged first,
//! the leftmost on a tie. A merge makes the pairs with the new symbol's neighbours candidates;
//! a candidate whose symbols changed since it was made is dropped when it comes up. A piece of
//! type `Unused` that ends up in the result is split back into the two symbols it was merged
//! from (recursively). `O(n log n)` for `n` characters.
//!
//! [`segment_with`] runs the same algorithm over the model's pieces and pieces it does not
//! have (a vocabulary extension being learnt), looked up after the model's own.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use super::SpmModel;
use crate::unigram::utf8_len;

struct Symbol {
    start: usize,
    end: usize,
    prev: Option<usize>,
    next: Option<usize>,
    frozen: bool,
}

struct Candidate {
    score: f32,
    left: usize,
    right: usize,
    len: usize,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    /// The greatest is merged first: higher score, then smaller left index.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.left.cmp(&self.left))
    }
}

/// Segments `text` (normalized) and appends (start, end, id) of each piece to `out`.
pub(super) fn segment(m: &SpmModel, text: &str, out: &mut Vec<(usize, usize, u32)>) {
    segment_with(m, text, &|_: &str| None, out)
}

/// [`segment`] with the pieces `extra` gives (id and score) besides the model's own, which
/// are looked up first. A symbol that is no piece has the unknown id.
///
/// When no piece has a `▁` after another character ([`SpmModel::cuts_at_spaces`], true of
/// every model trained with whitespace splitting), no merge can join the text before a `▁`
/// that follows another character to the text after it: the parts between such points are
/// merged on their own, with the same result as the whole and a heap that stays small.
/// Pieces given by `extra` must keep that true: none has a `▁` after another character.
pub(super) fn segment_with<X: Fn(&str) -> Option<(u32, f32)>>(
    m: &SpmModel,
    text: &str,
    extra: &X,
    out: &mut Vec<(usize, usize, u32)>,
) {
    if !m.cuts_at_spaces {
        return segment_part(m, text, 0, text.len(), extra, out);
    }
    let mut start = 0;
    let mut prev_space = true;
    for (i, c) in text.char_indices() {
        let space = c == '\u{2581}';
        if space && !prev_space && i > start {
            segment_part(m, text, start, i, extra, out);
            start = i;
        }
        prev_space = space;
    }
    segment_part(m, text, start, text.len(), extra, out);
}

/// The id and score of the piece `text`: the model's, else `extra`'s.
fn lookup<X: Fn(&str) -> Option<(u32, f32)>>(
    m: &SpmModel,
    text: &str,
    extra: &X,
) -> Option<(u32, f32)> {
    match m.pieces.get(text) {
        Some(&id) => Some((id, m.scores[id as usize])),
        None => extra(text),
    }
}

/// [`segment_with`] on `text[from..to]`.
fn segment_part<X: Fn(&str) -> Option<(u32, f32)>>(
    m: &SpmModel,
    text: &str,
    from: usize,
    to: usize,
    extra: &X,
    out: &mut Vec<(usize, usize, u32)>,
) {
    let bytes = &text.as_bytes()[..to];
    let mut symbols: Vec<Symbol> = Vec::with_capacity(to - from);
    let mut pos = from;
    while pos < bytes.len() {
        let user = m.normalizer.user_defined.longest(&bytes[pos..]);
        let len = user.unwrap_or_else(|| utf8_len(bytes[pos]).min(bytes.len() - pos));
        let i = symbols.len();
        symbols.push(Symbol {
            start: pos,
            end: pos + len,
            prev: i.checked_sub(1),
            next: (pos + len < bytes.len()).then_some(i + 1),
            frozen: user.is_some(),
        });
        pos += len;
    }
    if symbols.is_empty() {
        return;
    }
    // Unused pieces met as candidates: piece → the two symbols it was made of.
    let mut splits: FxHashMap<&str, (&str, &str)> = FxHashMap::default();
    let mut heap = BinaryHeap::new();
    let mut offer = |symbols: &[Symbol],
                     heap: &mut BinaryHeap<Candidate>,
                     left: Option<usize>,
                     right: Option<usize>| {
        let (Some(l), Some(r)) = (left, right) else {
            return;
        };
        let (a, b) = (&symbols[l], &symbols[r]);
        if a.frozen || b.frozen {
            return;
        }
        let Some((id, score)) = lookup(m, &text[a.start..b.end], extra) else {
            return;
        };
        heap.push(Candidate {
            score,
            left: l,
            right: r,
            len: b.end - a.start,
        });
        if m.is_unused(id) {
            splits.insert(
                &text[a.start..b.end],
                (&text[a.start..a.end], &text[b.start..b.end]),
            );
        }
    };
    for i in 1..symbols.len() {
        offer(&symbols, &mut heap, Some(i - 1), Some(i));
    }
    while let Some(top) = heap.pop() {
        let (l, r) = (&symbols[top.left], &symbols[top.right]);
        let (l_len, r_len) = (l.end - l.start, r.end - r.start);
        if l_len == 0 || r_len == 0 || l_len + r_len != top.len {
            continue;
        }
        let (end, next) = (r.end, r.next);
        symbols[top.left].end = end;
        symbols[top.left].next = next;
        if let Some(n) = next {
            symbols[n].prev = Some(top.left);
        }
        let right = &mut symbols[top.right];
        right.end = right.start;
        let prev = symbols[top.left].prev;
        offer(&symbols, &mut heap, prev, Some(top.left));
        offer(&symbols, &mut heap, Some(top.left), next);
    }
    let mut i = Some(0);
    while let Some(k) = i {
        let s = &symbols[k];
        resegment(m, text, s.start, s.end, &splits, extra, out);
        i = s.next;
    }
}

/// Appends the piece `text[start..end]`, split back if it is an unused piece.
fn resegment<X: Fn(&str) -> Option<(u32, f32)>>(
    m: &SpmModel,
    text: &str,
    start: usize,
    end: usize,
    splits: &FxHashMap<&str, (&str, &str)>,
    extra: &X,
    out: &mut Vec<(usize, usize, u32)>,
) {
    let piece = &text[start..end];
    let id = match m.reserved.get(piece) {
        Some(&id) => id,
        None => lookup(m, piece, extra).map_or(m.unk, |p| p.0),
    };
    match splits.get(piece) {
        Some(&(a, _)) if m.is_unused(id) => {
            resegment(m, text, start, start + a.len(), splits, extra, out);
            resegment(m, text, start + a.len(), end, splits, extra, out);
        }
        _ => out.push((start, end, id)),
    }
}
