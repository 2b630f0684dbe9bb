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
//! The first segment, the prefix and `s1`, stays bytes (o200k has `" \xec"` and such: a space
//! merges with the first byte of a syllable). Each later syllable `si` starts as its token, if:
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
//! the lowest rank, then leftmost, picks the same pair each time. Conditions 1 and 3 are worked
//! out once per vocabulary for all 11,172 syllables (one pass over the vocabulary, at the first
//! Korean word; 13 million instructions for o200k, and 47 KB: an id per syllable, a bit per
//! syllable, the automaton); condition 2 is one pass of a small automaton over the piece (in
//! o200k, 13 tokens start with a syllable's byte and cross a boundary, and 3 more with a space),
//! skipped when none of the piece's syllables is in one of them.
//! `syllables_tests.rs` compares the result with the byte-level merge on Korean text and on
//! every syllable next to every crossing token.

use std::fmt;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::bpe::{self, Start};
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
    /// The tokens of condition 2 that start with a syllable's byte: any match in the piece
    /// after its ASCII byte crosses a boundary after `s1` (there is no other boundary it could
    /// cross); `None` when the vocabulary has none.
    crossing: Option<AhoCorasick>,
    /// Those that start with an ASCII byte, which can only match at the piece's start.
    crossing_ascii: Vec<Vec<u8>>,
    /// One bit per syllable that some token of condition 2 holds whole: a piece with none of
    /// these needs no search for them, unless `always`.
    involved: Box<[u64]>,
    /// Some token of condition 2 holds no whole syllable: every piece is searched.
    always: bool,
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

impl Tables {
    fn build(table: &RankTable, byte_ids: &[u32; 256]) -> Tables {
        // Condition 1: the token, and when its own merges make it.
        let mut ids = vec![NO; COUNT].into_boxed_slice();
        let mut formed = vec![u32::MAX; COUNT];
        for (i, (id, f)) in ids.iter_mut().zip(&mut formed).enumerate() {
            let c = char::from_u32(FIRST + i as u32).expect("a syllable");
            let mut buf = [0u8; 4];
            let b = c.encode_utf8(&mut buf).as_bytes();
            let Some(rank) = table.get(b) else { continue };
            let mut own = Vec::with_capacity(3);
            bpe::merge_scan(b, &Start::bytes(byte_ids), |t| table.get(t), &mut own);
            if own == [rank] {
                // The first merge is of the lower of the two pairs inside; the last makes it.
                let first = [&b[..2], &b[1..]].map(|p| table.get(p).unwrap_or(u32::MAX));
                *id = rank;
                *f = rank.max(first[0].min(first[1]));
            }
        }
        // Condition 3, and the tokens of condition 2.
        let mut crossing = vec![];
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
        });
        let mut involved = vec![0u64; COUNT.div_ceil(64)].into_boxed_slice();
        let mut always = false;
        for t in &crossing {
            let mut whole = false;
            for p in 0..t.len().saturating_sub(2) {
                if let Some(s) = syllable(&t[p..p + 3]) {
                    involved[s / 64] |= 1 << (s % 64);
                    whole = true;
                }
            }
            always |= !whole;
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
            crossing,
            crossing_ascii,
            involved,
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

impl Syllables {
    /// If `piece` (at most [`bpe::SCAN_MAX`] bytes) may start from whole syllables: where they
    /// start, with their ids in `ids`. `None` (the caller merges from bytes) otherwise.
    pub(crate) fn start(
        &self,
        table: &RankTable,
        byte_ids: &[u32; 256],
        piece: &[u8],
        ids: &mut Vec<u32>,
    ) -> Option<usize> {
        // The shape: an optional ASCII byte, then at least two syllables and nothing else.
        let first = usize::from(piece.first()? < &0x80);
        let from = first + 3;
        if piece.len() < from + 3 || !(piece.len() - first).is_multiple_of(3) {
            return None;
        }
        let s1 = syllable(&piece[first..from])?;
        let t = self.tables.get_or_init(|| Tables::build(table, byte_ids));
        let involved = |s: usize| t.involved[s / 64] >> (s % 64) & 1 != 0;
        let mut search = t.always || involved(s1);
        ids.clear();
        for c in piece[from..].chunks_exact(3) {
            let s = syllable(c)?;
            let id = t.ids[s];
            if id == NO {
                return None;
            }
            search |= involved(s);
            ids.push(id);
        }
        let crosses = || {
            t.crossing
                .as_ref()
                .is_some_and(|ac| ac.is_match(&piece[first..]))
                || (first == 1 && t.crossing_ascii.iter().any(|c| piece.starts_with(c)))
        };
        if search && crosses() {
            return None;
        }
        Some(from)
    }
}

#[cfg(test)]
#[path = "syllables_tests.rs"]
mod tests;
