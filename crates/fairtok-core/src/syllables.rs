//! Starting the short merge of a Korean word from whole syllables, where that gives tiktoken's
//! ids.
//!
//! # Why
//!
//! A Korean word of five syllables and its leading space is 16 bytes, and byte-level BPE makes
//! about 13 merges of it, ten of them inside syllables (each syllable is three bytes, and
//! o200k has most syllables as tokens). Starting from the syllables' own tokens leaves the
//! merges between them, on a third of the parts.
//!
//! # When it is exact
//!
//! Take a piece that is an optional ASCII byte and then syllables `s1 s2 … sk` (U+AC00–U+D7A3).
//! The first segment, the **head** (the prefix and `s1`), is special: o200k has `" \xec"` and
//! such (a space merges with the first byte of a syllable), so it starts as bytes unless the
//! rule of the head below allows it whole. Each later syllable `si` starts as its token, if:
//!
//! 1. **It is a token that its own bytes make**, and the time it is made, the highest rank in
//!    its own merges (`formed`), is known: BPE of its three bytes gives exactly that token.
//! 2. **Nothing crosses into it partly.** No token occurs in the piece that crosses a boundary
//!    after `s1` without being made of whole characters there (o200k has 13 such tokens with
//!    Hangul bytes, such as `"\xa9니다"`, the end of `합` and then `니다`). Then no merge ever
//!    joins part of a syllable with anything outside it: such a merge would make one of those
//!    tokens.
//! 3. **Every token that could hold it whole in such a piece ranks above `formed`.** Such a
//!    token is two or more syllables, or the ASCII byte and two or more syllables (then the
//!    first is `s1`); any other token holding `si` would need bytes the piece has not, or cross
//!    a boundary partly (2). Then every merge that involves the syllable happens after it is
//!    made, in BPE of the bytes as in the merge from the syllable. (o200k has `" 이"` below
//!    `"이"`: a space and a syllable, which only `s1` can meet.)
//!
//! Under 1–3, BPE of the bytes and the merge that starts from the syllables make the same merges
//! at the same ranks: inside each later syllable, merges that touch nothing else; everywhere
//! else, the same pairs, which in both are there from the rank on which they may merge (3), so
//! the lowest rank, then leftmost, picks the same pair each time.
//!
//! # The head
//!
//! The head `s1` (no prefix) or `" " s1` (a space; other prefixes stay bytes) starts as one
//! token by the same argument, if **BPE of its own bytes makes one token** (its `formed` is the
//! highest rank of those merges), condition 2 holds (a piece that fails it starts from bytes
//! anyway), and **every token that holds the head's syllable whole and more ranks above the
//! head's `formed`**: `s1 s2…` or `" " s1 s2…` (whole syllables; partly is condition 2). A
//! token that starts inside the head anywhere else crosses a boundary partly, and nothing lies
//! before the head. So no merge touches the head's bytes before it is made, and from then on
//! both merges see the same parts. In o200k the head starts whole in nine pieces of ten of the
//! Korean text of the benchmarks (`" 영"`, made in three merges from bytes, is one part), and
//! the merge of a three-syllable word has three parts instead of six.
//!
//! # Walls
//!
//! A later syllable that is **no token** (most of Hangul in cl100k, which has 129 syllables as
//! tokens, and the rare ones in o200k) cannot fail 3, and it is a wall: under 2, nothing merges
//! across it. The first merge that joins a byte of it with a byte outside would make a token
//! that holds part of it (ruled out by 2: that token occurs in the piece) or all of it, and
//! then one side of that merge is the syllable alone, which is no token. So its bytes merge
//! as they would alone, and its ids are those of BPE of its three bytes (worked out once). The
//! same holds for a head that is no token, bare or with its space (when the syllable is no
//! token either). The piece then falls apart at its walls: each run of syllables between them
//! merges alone (a run of one is its id), and the walls' ids go between. A run that starts
//! whole (no head of bytes) merges by the ids of its parts in a small table of the splits of
//! the tokens of whole syllables (`syllables/pairs.rs`), not by their bytes in the rank table.
//!
//! # Cost
//!
//! Conditions 1 and 3, the heads and the walls are worked out once per vocabulary for all
//! 11,172 syllables (one pass over the vocabulary, at the first Korean word; 26 million
//! instructions for o200k, 19 million for cl100k; 530 KB: an id per syllable, two heads and two
//! walls of four ids, a few bits per syllable, the table of splits, the automaton). Condition 2 is one pass of a
//! small automaton over the piece (in o200k, 13 tokens start with a syllable's byte and cross
//! a boundary, and 3 more with a space), skipped when none of the piece's syllables is in one
//! of them and no two of them meet at a **seam**: cl100k also has tokens of no whole syllable,
//! the end of one and the start of the next (`"\xa4\xed"`), so a bit per syllable says
//! whether its end starts one, another whether its start ends one.
//! `syllables_tests.rs` compares the result with the byte-level merge on Korean text, on every
//! syllable next to every crossing token, on every head next to the rest of every token that
//! extends it, and on syllables that meet at a seam.

use std::fmt;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::bpe::Start;

mod pairs;
use pairs::Pairs;

use crate::rank_table::RankTable;

/// The first Hangul syllable, U+AC00.
const FIRST: u32 = 0xAC00;
/// The number of Hangul syllables (U+AC00–U+D7A3).
const COUNT: usize = 11_172;
/// "This syllable does not start whole."
const NO: u32 = u32::MAX;

/// Starting the short merge from syllables, for one tiktoken model: its tables, built at the
/// first Korean word.
#[derive(Default)]
pub(crate) struct Syllables {
    tables: OnceLock<Tables>,
}

impl fmt::Debug for Syllables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let built = self.tables.get().is_some();
        f.debug_struct("Syllables").field("built", &built).finish()
    }
}

struct Tables {
    /// Per syllable: its token's id if it may start whole (conditions 1 and 3), else [`NO`].
    ids: Box<[u32]>,
    /// Per syllable `s`, as the first of a piece: the id of the head `s`, or of the head
    /// `" " s` after a space, if it may start whole (see "The head"), else [`NO`].
    heads: [Box<[u32]>; 2],
    /// Per syllable `s` that is no token: the ids of BPE of `s` alone (index 0), then [`NO`]s;
    /// and if `" " s` is no token either, those of `" " s` (index 1). All [`NO`] otherwise.
    /// Such a syllable (or head) is a wall: nothing merges across it (see "Walls").
    walls: [Box<[[u32; 4]]>; 2],
    /// Every token of two or more whole syllables (perhaps after a space), under each split of
    /// it into two tokens at a syllable: the runs that start whole merge by ids in it.
    pairs: Pairs,
    /// The tokens of condition 2 that start with a syllable's byte: any match in the piece
    /// after its ASCII byte crosses a boundary after `s1` (there is no other boundary it could
    /// cross); `None` when the vocabulary has none.
    crossing: Option<AhoCorasick>,
    /// Those that start with an ASCII byte, which can only match at the piece's start.
    crossing_ascii: Vec<Vec<u8>>,
    /// One bit per syllable that some token of condition 2 holds whole: a piece with none of
    /// these needs no search for them, unless a seam or `always` asks for it.
    involved: Box<[u64]>,
    /// The tokens of condition 2 that hold no whole syllable are the end of one syllable and
    /// the start of the next (cl100k has such as `"\xa4\xed"`). One bit per syllable whose end
    /// starts one of them (index 0), and per syllable whose start ends one (index 1): a piece
    /// is searched where two such syllables meet.
    seams: [Box<[u64]>; 2],
    /// Some token of condition 2 is of neither kind: every piece is searched.
    always: bool,
}

/// Whether syllable `s` has its bit in `bits`.
#[inline(always)]
fn bit(bits: &[u64], s: usize) -> bool {
    bits[s / 64] >> (s % 64) & 1 != 0
}

/// Sets the bit of syllable `s` in `bits`.
fn set_bit(bits: &mut [u64], s: usize) {
    bits[s / 64] |= 1 << (s % 64);
}

/// The syllable (index from U+AC00) whose UTF-8 bytes are `b`, if they are one.
#[inline(always)]
fn syllable(b: &[u8]) -> Option<usize> {
    let [lead @ 0xEA..=0xED, c1, c2] = *b else {
        return None;
    };
    let c = (lead as u32 & 0x0F) << 12 | (c1 as u32 & 0x3F) << 6 | (c2 as u32 & 0x3F);
    (FIRST..FIRST + COUNT as u32)
        .contains(&c)
        .then(|| (c - FIRST) as usize)
}

/// BPE of `b` (at most four bytes) alone: the ids of its parts, then [`NO`]s, and when the
/// last of its merges is made (its highest rank; 0 if none).
fn own_bpe(table: &RankTable, byte_ids: &[u32; 256], b: &[u8]) -> ([u32; 4], u32) {
    debug_assert!(b.len() <= 4);
    // The parts' ends, in order; a merge removes the end between two parts.
    let mut ends = [1, 2, 3, 4];
    let (mut n, mut formed) = (b.len(), 0);
    let start = |ends: &[usize; 4], i: usize| if i == 0 { 0 } else { ends[i - 1] };
    while n > 1 {
        let best = (0..n - 1)
            .filter_map(|i| Some((table.get(&b[start(&ends, i)..ends[i + 1]])?, i)))
            .min();
        let Some((rank, i)) = best else { break };
        formed = formed.max(rank);
        ends.copy_within(i + 1..n, i);
        n -= 1;
    }
    let mut ids = [NO; 4];
    for (i, id) in ids.iter_mut().enumerate().take(n) {
        let part = &b[start(&ends, i)..ends[i]];
        *id = match part {
            [byte] => byte_ids[*byte as usize],
            _ => table.get(part).expect("a merged part is a token"),
        };
    }
    (ids, formed)
}

impl Tables {
    fn build(table: &RankTable, byte_ids: &[u32; 256]) -> Tables {
        // Condition 1: the token, and when its own merges make it; the same for the heads.
        let mut ids = vec![NO; COUNT].into_boxed_slice();
        let mut formed = vec![u32::MAX; COUNT];
        let mut heads = [(); 2].map(|_| vec![(NO, u32::MAX); COUNT]);
        let mut walls = [(); 2].map(|_| vec![[NO; 4]; COUNT].into_boxed_slice());
        for i in 0..COUNT {
            let c = char::from_u32(FIRST + i as u32).expect("a syllable");
            let mut buf = [b' '; 5];
            let b = c.encode_utf8(&mut buf[1..]).len();
            let (bare, spaced) = (&buf[1..=b], &buf[..=b]);
            // One part: a token that its own bytes make. Else, if no token: a wall.
            let (parts, f) = own_bpe(table, byte_ids, bare);
            if parts[1] == NO {
                (ids[i], formed[i]) = (parts[0], f);
                heads[0][i] = (parts[0], f);
            } else if table.get(bare).is_none() {
                walls[0][i] = parts;
            }
            let (parts, f) = own_bpe(table, byte_ids, spaced);
            if parts[1] == NO {
                heads[1][i] = (parts[0], f);
            } else if table.get(spaced).is_none() && table.get(bare).is_none() {
                walls[1][i] = parts;
            }
        }
        // Condition 3, the heads' condition, and the tokens of condition 2.
        let (mut crossing, mut splits) = (vec![], vec![]);
        table.for_each(|t, rank| {
            // Both kinds are bytes of syllables after an optional ASCII first byte: most tokens
            // are left at their last byte, the rest at their first byte of another script.
            let syllable_byte = |b: &u8| (0x80..0xC0).contains(b) || (0xEA..=0xED).contains(b);
            if t.len() < 2 || !syllable_byte(&t[t.len() - 1]) {
                return;
            }
            if !t[usize::from(t[0] < 0x80)..].iter().all(syllable_byte) {
                return;
            }
            if may_cross(t) {
                crossing.push(t.to_vec());
            }
            for s in later_syllables(t) {
                if rank <= formed[s] {
                    ids[s] = NO;
                }
            }
            if let Some((s, space)) = first_syllable(t) {
                let lead = usize::from(space);
                for at in (lead + 3..t.len()).step_by(3) {
                    if let (Some(l), Some(r)) = (table.get(&t[..at]), table.get(&t[at..])) {
                        splits.push((l, r, rank));
                    }
                }
                let heads = if space {
                    &mut heads[1..]
                } else {
                    &mut heads[..]
                };
                for h in heads {
                    if rank <= h[s].1 {
                        h[s].0 = NO;
                    }
                }
            }
        });
        let heads = heads.map(|h| h.into_iter().map(|(id, _)| id).collect());
        let mut involved = vec![0u64; COUNT.div_ceil(64)].into_boxed_slice();
        let mut seams = [(); 2].map(|_| vec![0u64; COUNT.div_ceil(64)].into_boxed_slice());
        let mut always = false;
        for t in &crossing {
            let mut whole = false;
            for p in 0..t.len().saturating_sub(2) {
                if let Some(s) = syllable(&t[p..p + 3]) {
                    set_bit(&mut involved, s);
                    whole = true;
                }
            }
            if !whole {
                always |= !mark_seam(t, &mut seams);
            }
        }
        let (crossing_ascii, crossing): (Vec<_>, Vec<_>) =
            crossing.into_iter().partition(|t| t[0] < 0x80);
        let crossing = (!crossing.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&crossing)
                .expect("byte patterns form an automaton")
        });
        Tables {
            ids,
            heads,
            walls,
            pairs: Pairs::new(&splits),
            crossing,
            crossing_ascii,
            involved,
            seams,
            always,
        }
    }
}

/// The syllables that token `t` holds whole, among those it could hold at a later syllable
/// (`s2` on) of a piece of the shape `start` takes: `t` must be at least two syllables, or an
/// ASCII byte and then at least two syllables, the first of which is then `s1` (merged from
/// bytes anyway) and not listed. Any other token holding a later syllable would have bytes the
/// piece has not there, or cross a boundary partly (condition 2).
fn later_syllables(t: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let lead = usize::from(t.first().is_some_and(|&b| b < 0x80));
    let body = &t[lead..];
    let n = body.len() / 3;
    let whole = n >= 2
        && body.len().is_multiple_of(3)
        && body.chunks_exact(3).all(|c| syllable(c).is_some());
    let skip = if whole { lead } else { n };
    body.chunks_exact(3).skip(skip).filter_map(syllable)
}

/// If token `t` is two or more whole syllables, or a space and two or more whole syllables:
/// its first syllable, and whether the space is there. Such a token holds a piece's head whole
/// (`s1`, or a space and `s1`) and more.
fn first_syllable(t: &[u8]) -> Option<(usize, bool)> {
    let space = t.first() == Some(&b' ');
    let body = &t[usize::from(space)..];
    let whole = body.len() >= 6
        && body.len().is_multiple_of(3)
        && body.chunks_exact(3).all(|c| syllable(c).is_some());
    whole.then(|| (syllable(&body[..3]).expect("checked"), space))
}

/// Marks in `seams` the syllables whose end (0) or start (1) token `t` (no whole syllable) may
/// hold: `t` is the last one or two bytes of a syllable and the first one or two of the next.
/// `false` if `t` is not of that shape.
fn mark_seam(t: &[u8], seams: &mut [Box<[u64]>; 2]) -> bool {
    let leads: Vec<usize> = (0..t.len()).filter(|&i| t[i] >= 0xC0).collect();
    let [p] = leads[..] else { return false };
    let (end, start) = t.split_at(p);
    if !(1..=2).contains(&end.len()) || !(1..=2).contains(&start.len()) {
        return false;
    }
    for i in 0..COUNT {
        let c = char::from_u32(FIRST + i as u32).expect("a syllable");
        let mut buf = [0u8; 3];
        let b = c.encode_utf8(&mut buf).as_bytes();
        if b.ends_with(end) {
            set_bit(&mut seams[0], i);
        }
        if b.starts_with(start) {
            set_bit(&mut seams[1], i);
        }
    }
    true
}

/// Whether token `t` (bytes of syllables after an optional ASCII first byte, which can only be
/// the piece's first) could occur in a piece of the shape `start` takes, crossing a boundary
/// after `s1` partly: it is not whole characters, it has a boundary inside (a byte that starts
/// a character, after its first), and if it starts with ASCII, it is longer than the first
/// segment (that byte and one syllable).
fn may_cross(t: &[u8]) -> bool {
    std::str::from_utf8(t).is_err()
        && t[1..].iter().any(|&b| b >= 0xC0)
        && (t[0] >= 0x80 || t.len() > 4)
}

impl Tables {
    /// Whether a token of condition 2 occurs in `piece` (which has `first` ASCII bytes).
    fn crosses(&self, piece: &[u8], first: usize) -> bool {
        let ac = self.crossing.as_ref();
        ac.is_some_and(|ac| ac.is_match(&piece[first..]))
            || (first == 1 && self.crossing_ascii.iter().any(|c| piece.starts_with(c)))
    }

    /// How the head of `piece` (`first` ASCII bytes, then syllable `s1`) starts.
    fn head(&self, piece: &[u8], first: usize, s1: usize) -> Head {
        if first == 1 && piece[0] != b' ' {
            return Head::Bytes;
        }
        match (self.heads[first][s1], self.walls[first][s1]) {
            (NO, w) if w[0] != NO => Head::Wall(w),
            (NO, _) => Head::Bytes,
            (id, _) => Head::Whole(id),
        }
    }
}

/// How the head of a piece starts.
enum Head {
    /// As one token.
    Whole(u32),
    /// As bytes.
    Bytes,
    /// As a wall: these ids, then [`NO`]s.
    Wall([u32; 4]),
}

/// The ids of a wall: its ids before the first [`NO`].
fn wall_ids(w: &[u32; 4]) -> &[u32] {
    &w[..w.iter().position(|&id| id == NO).unwrap_or(4)]
}

impl Syllables {
    /// Encodes `piece` (at most [`crate::bpe::SCAN_MAX`] bytes) from its syllables, if the module's
    /// rules allow it: appends its ids to `out` and returns `true`. Returns `false`, with `out`
    /// unchanged, when the caller must merge it from bytes. `scan` is [`crate::bpe::merge_scan`] (or
    /// a compilation of it) with the model's ranks; `ids` is scratch space.
    pub(crate) fn encode(
        &self,
        table: &RankTable,
        byte_ids: &[u32; 256],
        piece: &[u8],
        ids: &mut Vec<u32>,
        out: &mut Vec<u32>,
        scan: impl Fn(&[u8], &Start<'_>, &mut Vec<u32>),
    ) -> bool {
        // The shape: an optional ASCII byte, then at least two syllables and nothing else.
        let Some(&b0) = piece.first() else {
            return false;
        };
        let first = usize::from(b0 < 0x80);
        let from = first + 3;
        if piece.len() < from + 3 || !(piece.len() - first).is_multiple_of(3) {
            return false;
        }
        let Some(s1) = syllable(&piece[first..from]) else {
            return false;
        };
        let t = self.tables.get_or_init(|| Tables::build(table, byte_ids));
        let mut search = t.always || bit(&t.involved, s1);
        // Each later syllable: its id if it starts whole, NO if it is a wall.
        ids.clear();
        let mut before = s1;
        for c in piece[from..].chunks_exact(3) {
            let Some(s) = syllable(c) else {
                return false;
            };
            let id = t.ids[s];
            if id == NO && t.walls[0][s][0] == NO {
                return false;
            }
            search |= bit(&t.involved, s) || bit(&t.seams[0], before) && bit(&t.seams[1], s);
            ids.push(id);
            before = s;
        }
        if search && t.crosses(piece, first) {
            return false;
        }
        let head = t.head(piece, first, s1);
        // The runs between walls merge each alone; a wall's ids are its own BPE.
        let (mut run, mut chars) = (0, 0);
        let mut head = Some(head);
        if let Some(Head::Wall(w)) = &head {
            out.extend_from_slice(wall_ids(w));
            (run, head) = (from, None);
        }
        for j in 0..=ids.len() {
            let at = from + 3 * j;
            let wall = ids.get(j).is_some_and(|&id| id == NO);
            if j < ids.len() && !wall {
                continue;
            }
            // The run [run, at): the head if it is still open, then ids[chars..j].
            let whole = &ids[chars..j];
            match (head.take(), whole) {
                (None, []) => {}
                (None, [id]) => out.push(*id),
                (Some(Head::Whole(id)), []) => out.push(id),
                (Some(Head::Whole(id)), _) => t.pairs.merge(Some(id), whole, out),
                (None, _) => t.pairs.merge(None, whole, out),
                (Some(_), _) => {
                    let start = Start {
                        byte_ids,
                        from,
                        char_ids: whole,
                    };
                    scan(&piece[run..at], &start, out);
                }
            }
            if wall {
                let s = syllable(&piece[at..at + 3]).expect("checked");
                out.extend_from_slice(wall_ids(&t.walls[0][s]));
            }
            (run, chars) = (at + 3, j + 1);
        }
        true
    }
}

#[cfg(test)]
#[path = "syllables_tests.rs"]
mod tests;
