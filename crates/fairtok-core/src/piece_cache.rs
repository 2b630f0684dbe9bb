//! A bounded memo from pre-tokens to their ids that outlives one encoding call.
//!
//! # What it stores
//!
//! Most of the time of byte-level BPE goes into merging the pieces that are not tokens
//! themselves (a Korean word and its particle, a rare English word): a dozen or more pair
//! lookups each, most of them misses in a table of megabytes. Words repeat, so a memo of the
//! ids of such pieces replaces a merge with one probe. Pieces longer than the packed keys of
//! the rank table (`rank_table::SHORT`) are asked of the memo before the rank table, so the
//! memo holds those that are tokens too: a long word that is a token then costs one probe of
//! the memo (whose hash the caller computes once for both) instead of a walk of the long
//! tokens' table.
//!
//! The memo is a **direct-mapped** table of [`SLOTS`] slots of one cache line (64 bytes) each:
//! the piece's hash, its bytes (at most [`PIECE_MAX`]) and its ids (at most [`IDS_MAX`]). A
//! piece goes to the slot its hash names, taking it from whatever piece was there, so the
//! memo follows the words of the text at hand; a probe reads one line. Pieces that are longer
//! or merge into more ids are not memoized (they are rare: 2-3% of the Korean pieces that are
//! not tokens, fewer in English).
//!
//! # Why it changes no result
//!
//! The ids of a piece depend on its bytes only, and a slot answers only for a piece with the
//! same bytes (compared in full, not by hash).
//!
//! # Bounds
//!
//! A memo is [`SLOTS`] × 64 bytes = 1 MiB. On this machine (512 KiB of second-level cache per
//! core, 32 MiB shared) 2^13, 2^14 and 2^15 slots were measured within noise of each other on
//! Korean, and 2^13 and 2^14 best on English (within noise of each other); a growing map that keeps every piece was measured
//! *slower* on an earlier machine: past a few hundred thousand pieces its probes miss the
//! caches and cost more than the merges they save. A model keeps a
//! [`CachePool`]: an encoding call takes a memo from it and gives it back at the end, so the
//! memo persists across calls (a batch of short lines benefits as much as one long text), and
//! two concurrent calls never share one. The pool keeps at most [`POOL_MAX`] idle memos; one
//! more exists for each call running beyond that, and is dropped when the call ends. So the
//! memory is at most 1 MiB × max([`POOL_MAX`], concurrent calls) per model.

use std::sync::Mutex;

/// log2 of the number of slots.
const BITS: u32 = 14;
/// Slots of a memo.
pub(crate) const SLOTS: usize = 1 << BITS;
/// Longest piece memoized, in bytes.
pub(crate) const PIECE_MAX: usize = 30;
/// Most ids memoized for one piece.
pub(crate) const IDS_MAX: usize = 6;
/// Idle memos kept by a pool.
pub(crate) const POOL_MAX: usize = 4;

/// One slot: a piece and its ids. Empty when `len` is 0 (no piece is empty).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    hash: u64,
    len: u8,
    n: u8,
    bytes: [u8; PIECE_MAX],
    ids: [u32; IDS_MAX],
}

const EMPTY: Slot = Slot {
    hash: 0,
    len: 0,
    n: 0,
    bytes: [0; PIECE_MAX],
    ids: [0; IDS_MAX],
};

/// The memo (see the module docs).
pub(crate) struct PieceCache {
    slots: Box<[Slot]>,
}

impl PieceCache {
    fn new() -> PieceCache {
        PieceCache {
            slots: vec![EMPTY; SLOTS].into_boxed_slice(),
        }
    }

    /// The slot of a piece of hash `hash`.
    #[inline(always)]
    fn index(hash: u64) -> usize {
        (hash >> (64 - BITS)) as usize
    }

    /// The memoized ids of `piece` (of hash `hash`), if its slot holds it.
    #[inline(always)]
    pub(crate) fn get(&self, piece: &[u8], hash: u64) -> Option<&[u32]> {
        let s = &self.slots[Self::index(hash)];
        (s.hash == hash && s.len as usize == piece.len() && &s.bytes[..piece.len()] == piece)
            .then(|| &s.ids[..s.n as usize])
    }

    /// Memoizes `ids` for `piece` (of hash `hash`) in its slot, if both fit.
    #[inline(always)]
    pub(crate) fn put(&mut self, piece: &[u8], hash: u64, ids: &[u32]) {
        if piece.is_empty() || piece.len() > PIECE_MAX || ids.len() > IDS_MAX {
            return;
        }
        let s = &mut self.slots[Self::index(hash)];
        s.hash = hash;
        s.len = piece.len() as u8;
        s.n = ids.len() as u8;
        s.bytes[..piece.len()].copy_from_slice(piece);
        s.ids[..ids.len()].copy_from_slice(ids);
    }
}

/// The idle memos of one model (see the module docs).
#[derive(Default)]
pub(crate) struct CachePool {
    idle: Mutex<Vec<PieceCache>>,
}

impl std::fmt::Debug for CachePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CachePool")
    }
}

impl CachePool {
    /// Runs `f` with a memo of this pool: an idle one, or a new (empty) one; given back after.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut PieceCache) -> T) -> T {
        let mut cache = self.take();
        let r = f(&mut cache);
        self.give(cache);
        r
    }

    /// An idle memo, or a new (empty) one.
    fn take(&self) -> PieceCache {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        idle.unwrap_or_else(PieceCache::new)
    }

    /// Gives a memo back after a call; dropped if [`POOL_MAX`] are idle already.
    fn give(&self, cache: PieceCache) {
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < POOL_MAX {
                v.push(cache);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_answers_only_for_its_own_bytes() {
        let mut c = PieceCache::new();
        let (a, b) = (&b" abcd"[..], &b" abce"[..]);
        // The same hash (forced) for different bytes is no hit: same slot, other bytes.
        c.put(a, 42, &[1, 2]);
        assert_eq!(c.get(a, 42), Some(&[1, 2][..]));
        assert_eq!(c.get(b, 42), None);
        assert_eq!(c.get(&a[..4], 42), None);
        // Too long or too many ids: not stored.
        let long = [b'x'; PIECE_MAX + 1];
        c.put(&long, 1, &[1]);
        assert_eq!(c.get(&long, 1), None);
        c.put(a, 3, &[1; IDS_MAX + 1]);
        assert_eq!(c.get(a, 3), None);
        // A new piece takes the slot.
        c.put(b, 42, &[5]);
        assert_eq!(c.get(a, 42), None);
        assert_eq!(c.get(b, 42), Some(&[5][..]));
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_memos() {
        let pool = CachePool::default();
        let taken: Vec<_> = (0..POOL_MAX + 3).map(|_| pool.take()).collect();
        for c in taken {
            pool.give(c);
        }
        assert_eq!(pool.idle.lock().unwrap().len(), POOL_MAX);
        assert_eq!(std::mem::size_of::<Slot>(), 64);
    }
}
