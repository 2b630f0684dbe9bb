//! Backtracking BPE for long pieces: tiktoken's result found from the longest tokens down,
//! instead of merged up from single bytes.
//!
//! # Why
//!
//! [`crate::bpe::merge`] makes every merge of a piece: about one per byte, each with two
//! lookups of the pairs around it and a bucket push. On a long run of one character (1 MiB of
//! `a`, one piece) that is most of a tenth of a second. But the result can be *checked* one
//! token at a time, and on such a run the longest token that fits is nearly always right.
//!
//! # The rule this relies on
//!
//! Write `bpe(s)` for tiktoken's merge loop on the bytes `s` (lowest rank first, leftmost
//! among equal ranks; no whole-piece lookup). Then:
//!
//! * A token `t` is **reachable** if `bpe(bytes(t)) = [t]`. Its **split** is the pair `(l, r)`
//!   whose merge made it: `bpe` of its bytes with `t` itself left out gives exactly `[l, r]`
//!   (with `t` left out the loop runs the same until two parts cover the bytes, and those two
//!   then merge into `t`; if it stops at three or more parts, `t` is never made).
//! * A reachable token is **regular** if every merge of its tree makes a token of a higher
//!   rank than both of its parts. Then, inside any text, a part of the tree is made exactly
//!   when its rank comes up: ranks are times. The vocabularies of tiktoken were trained by
//!   BPE and are regular wherever this module has looked; a token that is not makes the
//!   search give up (below), so regularity is checked, never assumed.
//! * Two tokens `a`, `b` are **compatible** if `bpe(bytes(a) ++ bytes(b)) = [a, b]`.
//!
//! For regular tokens, `bpe(s)` is the **only** sequence of reachable tokens that spells `s`
//! with every two neighbours compatible. (This is the observation behind the backtracking
//! encoder of GitHub's `bpe` crate. In short: until a merge crosses a boundary between two
//! such tokens, each side evolves as it would alone, rank by rank; the first merge across
//! would then also happen in the text of the two tokens alone, which compatibility excludes.)
//! So the encoding can be found by search and checked pair by pair.
//!
//! # Search
//!
//! Depth first from the start of the piece: at each position, try the tokens that match
//! there, first one as long as the token before (runs repeat a token), then from the longest
//! down (a table gives, for the first two bytes, the lengths of the tokens that start with
//! them); take the first that is reachable and compatible with the token before it, and go
//! on after it. When no token fits at a position, take back the token before and try its
//! next shorter alternative. The search finds `bpe(s)` because it is complete and that
//! sequence is the only one it accepts.
//!
//! The tokens placed before a position `p` always form the only accepted sequence for the
//! bytes before `p` (the rule above, applied to them), so whether the search can go on from
//! `p` depends on `p` alone: a position it had to leave is remembered as a dead end and never
//! entered again. Each position is then searched at most once.
//!
//! # Compatibility, by walking two spines
//!
//! While `bytes(a) ++ bytes(b)` is merged alone, the part of `a` that touches the boundary
//! goes up the right spine of `a`'s tree (a byte, then bigger suffixes of `a`, then `a`), and
//! the part of `b` up its left spine. The walk goes through those states backwards, from
//! `(a, b)`: at each state `(x, y)` it asks whether `x ++ y` is a token `c` that would merge
//! before the next event, then undoes whichever of `x`, `y` was made later (the higher rank;
//! on equal ranks `y`, because of two equal pairs the left one merges first). The next event
//! is that undone merge: `c` beats the making of `x` if `rank(c) < rank(x)`, and beats the
//! making of `y` if `rank(c) <= rank(y)` (the pair `x ++ y` lies left of `y`'s own pair). At
//! `(a, b)` nothing follows, so any `c` means they are not compatible. The walk costs at most
//! `len(a) + len(b)` lookups.
//!
//! # Bounds
//!
//! The tables are built at the first long piece a model meets (9 million instructions, 2-3
//! ms, for o200k): the length tables (one pass over the vocabulary, 2 MiB) and an empty memo
//! of splits (12 bytes per rank), filled as tokens are met (a split costs one `bpe` of the
//! token's bytes).
//!
//! The search counts its lookups and gives up past `8·n + 2048` for a piece of `n` bytes, or
//! at a token that is not regular, or in a vocabulary with a token longer than 128 bytes; the
//! caller then runs the merge loop. So the worst case stays that of [`crate::bpe::merge`] plus
//! a bounded amount of wasted work (at most about as much again, measured on runs of `-`,
//! where the longest token is a poor first guess and the search explores before it gives up),
//! whatever the input. Runs of one character or of a few, and scripts written without
//! spaces, are found well within the budget (`backtrack_tests.rs`): 1 MiB of `a` in 9 ms
//! against the merge loop's 51 ms.

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;

use rustc_hash::FxHashSet;

use crate::bpe::{self, Scratch, Symbol};
use crate::rank_table::{char3, RankTable};

/// Tokens longer than this make the search give up (the length table has one bit per length).
const MAX_LEN: usize = 128;

/// States in [`Tables::meta`]: the top byte; a pair keeps the left part's length below.
const UNKNOWN: u32 = 0;
const LEAF: u32 = 1 << 24;
const UNREACHABLE: u32 = 2 << 24;
const IRREGULAR: u32 = 3 << 24;
const PAIR: u32 = 4 << 24;

/// What the search knows about a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Split {
    /// A single byte.
    Leaf,
    /// Made by merging `l` (the first `llen` bytes) and `r`; regular.
    Pair { l: u32, r: u32, llen: usize },
    /// Never made by the merge loop from its own bytes.
    Unreachable,
    /// Reachable, but some merge of its tree makes a lower rank than a part: the search gives
    /// up on the piece.
    Irregular,
}

/// The backtracking encoder of one tiktoken model: its tables, built at first use.
#[derive(Default)]
pub(crate) struct Backtrack {
    /// `None` inside: the vocabulary has a token the search cannot handle (longer than
    /// [`MAX_LEN`]).
    tables: OnceLock<Option<Tables>>,
}

impl fmt::Debug for Backtrack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let built = self.tables.get().map(Option::is_some);
        f.debug_struct("Backtrack").field("built", &built).finish()
    }
}

struct Tables {
    /// Bit `k` of `lens[b0 << 8 | b1]`: a token of `k + 1` bytes starts with `b0 b1`.
    lens: Box<[u128]>,
    /// The same for the tokens of three bytes or more that start with one three-byte UTF-8
    /// character, indexed by [`char3`]: the first two bytes of a CJK ideograph, kana or Hangul
    /// syllable are shared by 64 characters, whose tokens' lengths would all be candidates.
    lens3: Box<[u128]>,
    /// Per rank: [`UNKNOWN`] until the token is met, then its state (and for a pair, the left
    /// part's length in the low bits).
    meta: Box<[AtomicU32]>,
    /// Per rank, for a pair: `l << 32 | r`. Written before `meta`.
    splits: Box<[AtomicU64]>,
}

impl Tables {
    fn build(table: &RankTable) -> Option<Tables> {
        let mut lens = vec![0u128; 1 << 16].into_boxed_slice();
        let mut lens3 = vec![0u128; 1 << 16].into_boxed_slice();
        let mut max_rank = 0;
        let mut fits = true;
        table.for_each(|t, rank| {
            max_rank = max_rank.max(rank);
            match t.len() {
                2..=MAX_LEN => lens[(t[0] as usize) << 8 | t[1] as usize] |= 1 << (t.len() - 1),
                1 => {}
                _ => fits = false,
            }
            if let Some(c) = t.get(..3).and_then(char3) {
                lens3[c] |= 1u128.checked_shl(t.len() as u32 - 1).unwrap_or(0);
            }
        });
        // The splits are worked out with the short merge, whose keys hold ranks below a limit.
        let n = max_rank as usize + 1;
        (fits && max_rank < bpe::SCAN_RANK_LIMIT).then(|| Tables {
            lens,
            lens3,
            meta: (0..n).map(|_| AtomicU32::new(UNKNOWN)).collect(),
            splits: (0..n).map(|_| AtomicU64::new(0)).collect(),
        })
    }
}

/// What one search needs: the model's tables and the piece.
struct Search<'a> {
    table: &'a RankTable,
    byte_ids: &'a [u32; 256],
    tables: &'a Tables,
    piece: &'a [u8],
    /// Lookups left before the search gives up.
    budget: usize,
}

/// A token placed by the search, with the shorter lengths still to try at its position.
struct Placed {
    id: u32,
    start: usize,
    rest: u128,
}

impl Backtrack {
    /// Appends tiktoken's ids for `piece` (not itself a token) to `out` and returns `true`; or
    /// returns `false`, with `out` untouched, when the search gives up (see the module docs).
    pub(crate) fn encode(
        &self,
        table: &RankTable,
        byte_ids: &[u32; 256],
        piece: &[u8],
        out: &mut Vec<u32>,
    ) -> bool {
        let Some(tables) = self.tables.get_or_init(|| Tables::build(table)) else {
            return false;
        };
        let mut search = Search {
            table,
            byte_ids,
            tables,
            piece,
            budget: 8 * piece.len() + 2048,
        };
        match search.run() {
            Some(placed) => {
                out.extend(placed.iter().map(|p| p.id));
                true
            }
            None => false,
        }
    }
}

impl Search<'_> {
    /// The depth-first search of the module docs; `None` if it gives up.
    fn run(&mut self) -> Option<Vec<Placed>> {
        let n = self.piece.len();
        let mut placed: Vec<Placed> = Vec::with_capacity(n / 4 + 1);
        // Dead ends, as `end << 8 | len` of the token placed last: what follows depends only
        // on where that token ends and what it is (its bytes, so its length).
        let mut dead: FxHashSet<u64> = FxHashSet::default();
        let mut pos = 0;
        let mut mask = self.lengths_at(0);
        while pos < n {
            match self.first_fit(pos, &mut mask, placed.last(), &dead)? {
                Some((id, len)) => {
                    placed.push(Placed {
                        id,
                        start: pos,
                        rest: mask,
                    });
                    pos += len;
                    mask = self.lengths_at(pos);
                }
                None => {
                    // Nothing fits here: take the last token back, try its shorter ones.
                    let last = placed.pop()?;
                    dead.insert(state(pos, pos - last.start));
                    pos = last.start;
                    mask = last.rest;
                }
            }
        }
        Some(placed)
    }

    /// The lengths of the tokens that may start at `pos`, one bit each (bit `k`: `k + 1`
    /// bytes), that fit in the piece. Every single byte is a token. Where a three-byte
    /// character starts, the tokens of three bytes or more are those of that character
    /// (`lens3`), and only the two-byte ones come from the first two bytes.
    fn lengths_at(&self, pos: usize) -> u128 {
        let rest = self.piece.len() - pos;
        if rest < 2 {
            return (rest == 1) as u128;
        }
        let key = (self.piece[pos] as usize) << 8 | self.piece[pos + 1] as usize;
        let fit = if rest >= 128 {
            u128::MAX
        } else {
            (1u128 << rest) - 1
        };
        let t = self.tables;
        let lens = match self.piece.get(pos..pos + 3).and_then(char3) {
            Some(c) => t.lens[key] & 0b11 | t.lens3[c],
            None => t.lens[key],
        };
        (lens & fit) | 1
    }

    /// Takes lengths out of `mask`, longest first, until one is a reachable token compatible
    /// with `prev`: `Some(Some((id, len)))`, or `Some(None)` when none is. `None`: give up.
    fn first_fit(
        &mut self,
        pos: usize,
        mask: &mut u128,
        prev: Option<&Placed>,
        dead: &FxHashSet<u64>,
    ) -> Option<Option<(u32, usize)>> {
        // The length of the token before first (runs repeat a token), then longest first.
        let again = prev.map_or(0, |p| pos - p.start);
        while *mask != 0 {
            let len = if again != 0 && *mask >> (again - 1) & 1 == 1 {
                again
            } else {
                128 - mask.leading_zeros() as usize
            };
            *mask &= !(1u128 << (len - 1));
            if !dead.is_empty() && dead.contains(&state(pos + len, len)) {
                continue;
            }
            self.spend(len / 8 + 1)?;
            let Some(id) = self.table.get_at(self.piece, pos, pos + len) else {
                continue;
            };
            match self.split(id, pos, pos + len) {
                Split::Unreachable => continue,
                Split::Irregular => return None,
                Split::Leaf | Split::Pair { .. } => {}
            }
            let fits = match prev {
                Some(p) => self.compatible(p.id, p.start, pos, id, pos + len)?,
                None => true,
            };
            if fits {
                return Some(Some((id, len)));
            }
        }
        Some(None)
    }

    /// Counts `cost` lookups against the budget; `None` when it is spent.
    #[inline]
    fn spend(&mut self, cost: usize) -> Option<()> {
        self.budget = self.budget.checked_sub(cost)?;
        Some(())
    }

    /// Whether `a` (bytes `start..mid` of the piece) and `b` (`mid..end`) are compatible;
    /// `None` to give up. Both are reachable and regular. See "walking two spines" above.
    fn compatible(&mut self, a: u32, start: usize, mid: usize, b: u32, end: usize) -> Option<bool> {
        let (mut x, mut xs, mut y, mut ye) = (a, start, b, end);
        let mut limit = u32::MAX;
        loop {
            self.spend((ye - xs) / 8 + 1)?;
            if self
                .table
                .get_at(self.piece, xs, ye)
                .is_some_and(|c| c < limit)
            {
                return Some(false);
            }
            let (x_leaf, y_leaf) = (mid - xs == 1, ye - mid == 1);
            if !x_leaf && (y_leaf || x > y) {
                let Split::Pair { r, llen, .. } = self.split(x, xs, mid) else {
                    return None;
                };
                limit = x;
                xs += llen;
                x = r;
            } else if !y_leaf {
                let Split::Pair { l, llen, .. } = self.split(y, mid, ye) else {
                    return None;
                };
                limit = y.checked_add(1)?;
                ye = mid + llen;
                y = l;
            } else {
                return Some(true);
            }
        }
    }

    /// The split of token `id`, whose bytes are `piece[start..end]`: from the memo, or worked
    /// out (and its parts' too) and remembered.
    fn split(&mut self, id: u32, start: usize, end: usize) -> Split {
        let t = self.tables;
        let Some(meta) = t.meta.get(id as usize) else {
            return Split::Irregular;
        };
        let m = meta.load(Ordering::Acquire);
        if m != UNKNOWN {
            return decode(m, t.splits[id as usize].load(Ordering::Relaxed));
        }
        let s = self.work_out_split(id, start, end);
        let (m, pair) = match s {
            Split::Leaf => (LEAF, 0),
            Split::Unreachable => (UNREACHABLE, 0),
            Split::Irregular => (IRREGULAR, 0),
            Split::Pair { l, r, llen } => (PAIR | llen as u32, (l as u64) << 32 | r as u64),
        };
        t.splits[id as usize].store(pair, Ordering::Relaxed);
        meta.store(m, Ordering::Release);
        s
    }

    /// [`Search::split`] without the memo: `bpe` of the token's bytes without the token.
    fn work_out_split(&mut self, id: u32, start: usize, end: usize) -> Split {
        let piece = self.piece;
        let bytes = &piece[start..end];
        if bytes.len() == 1 {
            return Split::Leaf;
        }
        let table = self.table;
        let without = |s: &[u8]| table.get(s).filter(|&r| r != id);
        let mut parts = Vec::with_capacity(4);
        if bytes.len() <= bpe::SCAN_MAX {
            bpe::merge_scan(
                bytes,
                &bpe::Start::bytes(self.byte_ids),
                without,
                &mut parts,
            );
        } else {
            let mut scratch = Scratch::default();
            scratch.symbols.extend(
                bytes
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| Symbol::new(self.byte_ids[b as usize], i, i + 1)),
            );
            bpe::merge(&mut scratch, &mut parts, |a, b| {
                without(&bytes[a.start as usize..b.end as usize]).map(|r| (r, r))
            });
        }
        let [l, r] = parts[..] else {
            return Split::Unreachable;
        };
        let Some(llen) = (1..bytes.len()).find(|&k| table.get(&bytes[..k]) == Some(l)) else {
            return Split::Unreachable; // cannot happen: `l` spells a prefix
        };
        // Regular: both parts are older than the token, and regular themselves.
        let parts_regular = [(l, start, start + llen), (r, start + llen, end)]
            .into_iter()
            .all(|(p, s, e)| p < id && !matches!(self.split(p, s, e), Split::Irregular));
        if parts_regular {
            Split::Pair { l, r, llen }
        } else {
            Split::Irregular
        }
    }
}

/// The key of a search state in the set of dead ends: a token of `len` bytes ends at `end`.
#[inline]
fn state(end: usize, len: usize) -> u64 {
    (end as u64) << 8 | len as u64
}

fn decode(meta: u32, pair: u64) -> Split {
    match meta & 0xFF00_0000 {
        LEAF => Split::Leaf,
        UNREACHABLE => Split::Unreachable,
        PAIR => Split::Pair {
            l: (pair >> 32) as u32,
            r: pair as u32,
            llen: (meta & 0x00FF_FFFF) as usize,
        },
        _ => Split::Irregular,
    }
}

#[cfg(test)]
#[path = "backtrack_tests.rs"]
mod tests;
