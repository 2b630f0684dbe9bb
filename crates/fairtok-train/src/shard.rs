//! One shard of a table of distinct pieces: the pieces' bytes back to back in one arena and a
//! hash table of `(offset, length, count)`, 16 bytes per piece and no allocation per piece.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

#[derive(Clone, Copy)]
struct Slot {
    off: u32,
    len: u32,
    count: u64,
}

/// The hash of a piece. Shards are chosen by bits 40-45, the table uses the low bits (bucket)
/// and the top 7 (tag), so both stay well spread within a shard.
#[inline]
pub(crate) fn hash(piece: &[u8]) -> u64 {
    FxBuildHasher.hash_one(piece)
}

/// The shard of a hash, among `n` (a power of two up to 64).
#[inline]
pub(crate) fn shard_of(h: u64, n: usize) -> usize {
    (h >> 40) as usize & (n - 1)
}

/// A set of distinct pieces with counts.
#[derive(Default)]
pub(crate) struct Shard {
    table: HashTable<Slot>,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Shard({} pieces)", self.table.len())
    }
}

impl Shard {
    #[inline]
    fn key<'a>(bytes: &'a [u8], s: &Slot) -> &'a [u8] {
        &bytes[s.off as usize..s.off as usize + s.len as usize]
    }

    /// Adds `count` to `piece` (whose hash is `h`). Returns whether the piece is new.
    #[inline]
    pub fn add(&mut self, piece: &[u8], h: u64, count: u64) -> bool {
        let bytes = &self.bytes;
        if let Some(s) = self.table.find_mut(h, |s| Self::key(bytes, s) == piece) {
            s.count = s.count.saturating_add(count);
            return false;
        }
        let off = self.bytes.len();
        assert!(
            off + piece.len() <= u32::MAX as usize,
            "a shard of distinct pieces outgrew 4 GiB; lower CountOptions::max_pieces"
        );
        self.bytes.extend_from_slice(piece);
        let slot = Slot {
            off: off as u32,
            len: piece.len() as u32,
            count,
        };
        let bytes = &self.bytes;
        self.table
            .insert_unique(h, slot, |s| hash(Self::key(bytes, s)));
        true
    }

    /// The count of `piece`.
    pub fn get(&self, piece: &[u8], h: u64) -> u64 {
        self.table
            .find(h, |s| Self::key(&self.bytes, s) == piece)
            .map_or(0, |s| s.count)
    }

    /// Number of pieces.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// The pieces and counts.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.table
            .iter()
            .map(|s| (Self::key(&self.bytes, s), s.count))
    }

    /// Drops every piece seen at most `t` times and compacts the arena. Returns the number of
    /// pieces dropped and their occurrences.
    pub fn prune(&mut self, t: u64) -> (usize, u64) {
        let before = self.table.len();
        let mut occ = 0;
        self.table.retain(|s| {
            let keep = s.count > t;
            if !keep {
                occ += s.count;
            }
            keep
        });
        let mut bytes = Vec::with_capacity(self.table.iter().map(|s| s.len as usize).sum());
        for s in self.table.iter_mut() {
            let off = bytes.len();
            bytes.extend_from_slice(&self.bytes[s.off as usize..(s.off + s.len) as usize]);
            s.off = off as u32;
        }
        self.bytes = bytes;
        self.table
            .shrink_to_fit(|s| hash(Self::key(&self.bytes, s)));
        (before - self.table.len(), occ)
    }
}
