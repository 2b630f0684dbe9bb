//! The lookup "which rank has the token with these bytes?", the innermost step of tiktoken's
//! encoding rule: every piece of the text and every merge candidate asks it.
//!
//! # Layout
//!
//! * Two-byte tokens, the first candidates of every merge, are in a direct table of 64K ranks,
//!   and so are the tokens that are one three-byte UTF-8 character (Hangul syllables, kana,
//!   CJK ideographs: the second merge of every such character), indexed by the character's 16
//!   bits.
//! * Tokens of at most [`SHORT`] bytes are in a hash map keyed by their bytes packed into a
//!   `u64` with the length in the top byte ([`pack`]): hashing and comparing one integer.
//! * Longer tokens keep their bytes, length-prefixed, in one arena, and a hash table holds
//!   `(offset, rank)` under [`hash_bytes`] of the bytes: no allocation per token.
//!
//! The maps are SwissTables (`hashbrown`): a probe reads a group of one-byte tags first and an
//! entry only where a tag matches. Most merge candidates are not tokens, and their lookups then
//! touch only the tags, which stay in the caches while the entries do not. (A linear-probing
//! table with the key and rank in one slot was measured slower on Korean text, by 11-45%, for
//! that reason.)
//!
//! # Cost
//!
//! Building takes one pass over the tokens with no allocation per token. A lookup hashes the
//! bytes once and probes `O(1)` groups on average.

use hashbrown::HashTable;
use rustc_hash::FxHashMap;

/// Tokens of up to this many bytes are looked up by their packed bytes.
pub(crate) const SHORT: usize = 7;

/// Packs up to [`SHORT`] bytes and their length into a `u64` (distinct for distinct slices,
/// nonzero for a nonempty one).
///
/// Two loads that may overlap (the first and the last four bytes, or two), not a loop: the
/// overlapping bytes are the same in both, so OR-ing them changes nothing.
#[inline(always)]
pub(crate) fn pack(t: &[u8]) -> u64 {
    let n = t.len();
    debug_assert!(n <= SHORT);
    let bytes = match n {
        0 => 0,
        1 => t[0] as u64,
        2..=3 => {
            let lo = u16::from_le_bytes([t[0], t[1]]) as u64;
            let hi = u16::from_le_bytes([t[n - 2], t[n - 1]]) as u64;
            lo | hi << (8 * (n - 2))
        }
        _ => {
            let lo = u32::from_le_bytes(t[..4].try_into().expect("4 bytes")) as u64;
            let hi = u32::from_le_bytes(t[n - 4..].try_into().expect("4 bytes")) as u64;
            lo | hi << (8 * (n - 4))
        }
    };
    bytes | (n as u64) << 56
}

/// [`pack`] of `text[start..start + len]` (`len <= SHORT`), with one unaligned load when eight
/// bytes can be read from `start`.
#[inline(always)]
pub(crate) fn pack_at(text: &[u8], start: usize, len: usize) -> u64 {
    debug_assert!(len <= SHORT && start + len <= text.len());
    match text.get(start..start + 8) {
        Some(w) => {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            // len <= 7: keep the low `len` bytes.
            (w & ((1u64 << (8 * len)) - 1)) | (len as u64) << 56
        }
        None => pack(&text[start..start + len]),
    }
}

/// A hash of a byte string: eight bytes at a time, multiplied and folded.
#[inline]
pub(crate) fn hash_bytes(p: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (p.len() as u64).wrapping_mul(K);
    let mut chunks = p.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h.rotate_left(23) ^ pack(rest)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// Token bytes to ranks (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct RankTable {
    /// The rank of every two-byte token, indexed by its bytes (`u32::MAX`: none).
    pairs: Box<[u32]>,
    /// The rank of every token that is one three-byte UTF-8 character, indexed by
    /// [`char3`] (`u32::MAX`: none).
    chars3: Box<[u32]>,
    short: FxHashMap<u64, u32>,
    /// `(offset in long, rank)` of the longer tokens, by [`hash_bytes`].
    long_table: HashTable<(u32, u32)>,
    /// The longer tokens' bytes, each as `len: u32 LE` and then the bytes.
    long: Vec<u8>,
}

impl RankTable {
    /// A table of `tokens` (`(bytes, rank)`, none empty; of duplicate bytes, the last rank
    /// wins, as in a map). `Err` if the long tokens' bytes pass 4 GiB.
    pub(crate) fn new<'a>(
        tokens: impl ExactSizeIterator<Item = (&'a [u8], u32)> + Clone,
    ) -> Result<RankTable, String> {
        // Tokens of two bytes or one three-byte character are only in their direct tables.
        let direct = |b: &[u8]| b.len() == 2 || char3(b).is_some();
        let n_short = (tokens.clone())
            .filter(|(b, _)| b.len() <= SHORT && !direct(b))
            .count();
        let n_long = tokens.clone().filter(|(b, _)| b.len() > SHORT).count();
        let mut table = RankTable {
            pairs: vec![u32::MAX; 1 << 16].into_boxed_slice(),
            chars3: vec![u32::MAX; 1 << 16].into_boxed_slice(),
            short: FxHashMap::with_capacity_and_hasher(n_short, Default::default()),
            long_table: HashTable::with_capacity(n_long),
            long: Vec::new(),
        };
        for (bytes, rank) in tokens {
            debug_assert!(!bytes.is_empty());
            if bytes.len() == 2 {
                table.pairs[(bytes[0] as usize) << 8 | bytes[1] as usize] = rank;
                continue;
            }
            if let Some(i) = char3(bytes) {
                table.chars3[i] = rank;
                continue;
            }
            if bytes.len() <= SHORT {
                table.short.insert(pack(bytes), rank);
                continue;
            }
            let RankTable {
                long_table, long, ..
            } = &mut table;
            let hash = hash_bytes(bytes);
            let found = long_table.find_mut(hash, |&(off, _)| long_eq(long, off, bytes));
            if let Some(entry) = found {
                entry.1 = rank; // a duplicate: the last rank wins
                continue;
            }
            let off = u32::try_from(long.len())
                .ok()
                .filter(|_| bytes.len() < u32::MAX as usize)
                .ok_or("the tokens' bytes pass 4 GiB")?;
            long.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            long.extend_from_slice(bytes);
            let long = &*long;
            long_table.insert_unique(hash, (off, rank), |&(off, _)| {
                hash_bytes(long_bytes(long, off))
            });
        }
        Ok(table)
    }

    /// Calls `f(bytes, rank)` on every token of the table, in no particular order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8], u32)) {
        for (i, &rank) in self.pairs.iter().enumerate() {
            if rank != u32::MAX {
                f(&[(i >> 8) as u8, i as u8], rank);
            }
        }
        for (i, &rank) in self.chars3.iter().enumerate() {
            if rank != u32::MAX {
                let c = [
                    0xE0 | (i >> 12) as u8,
                    0x80 | (i >> 6 & 0x3F) as u8,
                    0x80 | (i & 0x3F) as u8,
                ];
                f(&c, rank);
            }
        }
        for (&key, &rank) in &self.short {
            let len = (key >> 56) as usize;
            f(&key.to_le_bytes()[..len], rank);
        }
        for &(off, rank) in &self.long_table {
            f(long_bytes(&self.long, off), rank);
        }
    }

    /// The rank of the token with bytes `text[start..end]`: [`RankTable::get`], with the
    /// short keys packed by one load from `text`.
    #[inline(always)]
    pub(crate) fn get_at(&self, text: &[u8], start: usize, end: usize) -> Option<u32> {
        let len = end - start;
        if len > 3 && len <= SHORT {
            return self.short.get(&pack_at(text, start, len)).copied();
        }
        self.get(&text[start..end])
    }

    /// The rank of the token with bytes `t`.
    #[inline(always)]
    pub(crate) fn get(&self, t: &[u8]) -> Option<u32> {
        match t.len() {
            2 => {
                let r = self.pairs[(t[0] as usize) << 8 | t[1] as usize];
                (r != u32::MAX).then_some(r)
            }
            3 => match char3(t) {
                Some(i) => {
                    let r = self.chars3[i];
                    (r != u32::MAX).then_some(r)
                }
                None => self.short.get(&pack(t)).copied(),
            },
            0..=SHORT => self.short.get(&pack(t)).copied(),
            _ => self.get_long(t, hash_bytes(t)),
        }
    }

    /// The rank of the token with bytes `t`, longer than [`SHORT`], whose [`hash_bytes`] is
    /// `hash` (for a caller that needs the hash for something else too).
    #[inline(always)]
    pub(crate) fn get_long(&self, t: &[u8], hash: u64) -> Option<u32> {
        debug_assert!(t.len() > SHORT && hash == hash_bytes(t));
        self.long_table
            .find(hash, |&(off, _)| long_eq(&self.long, off, t))
            .map(|&(_, rank)| rank)
    }
}

/// The index of a three-byte string of the form `1110xxxx 10xxxxxx 10xxxxxx` (a three-byte
/// UTF-8 character, or an overlong or surrogate form of one): its 16 payload bits, which are
/// distinct for distinct such strings. `None` for any other string.
#[inline(always)]
pub(crate) fn char3(t: &[u8]) -> Option<usize> {
    match *t {
        [a @ 0xE0..=0xEF, b @ 0x80..=0xBF, c @ 0x80..=0xBF] => {
            Some((a as usize & 0x0F) << 12 | (b as usize & 0x3F) << 6 | (c as usize & 0x3F))
        }
        _ => None,
    }
}

/// The bytes of the long token at `off` in `long`.
#[inline(always)]
fn long_bytes(long: &[u8], off: u32) -> &[u8] {
    let off = off as usize;
    let len = u32::from_le_bytes(long[off..off + 4].try_into().expect("4 bytes")) as usize;
    &long[off + 4..off + 4 + len]
}

#[inline(always)]
fn long_eq(long: &[u8], off: u32, t: &[u8]) -> bool {
    long_bytes(long, off) == t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_token_and_nothing_else() {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        // Three-byte characters (the direct table of characters) and a long one.
        tokens
            .extend(["가", "の", "字", "\u{FFFD}", "한국어를 입력"].map(|s| s.as_bytes().to_vec()));
        let mut state = 0x2545_f491_4f6c_dd1du64;
        while tokens.len() < 5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = 2 + (state % 40) as usize;
            let t: Vec<u8> = (0..len).map(|i| (state >> (i % 8 * 8)) as u8 % 7).collect();
            if !tokens.contains(&t) {
                tokens.push(t);
            }
        }
        let table =
            RankTable::new(tokens.iter().enumerate().map(|(i, t)| (&t[..], i as u32))).unwrap();
        for (i, t) in tokens.iter().enumerate() {
            assert_eq!(table.get(t), Some(i as u32), "{t:?}");
            // One byte more or less is another string: found only if it is a token itself.
            for other in [&t[..t.len() - 1], &[&t[..], b"\x06"].concat()[..]] {
                let want = tokens.iter().position(|u| u == other).map(|p| p as u32);
                assert_eq!(table.get(other), want, "{other:?}");
            }
        }
        assert_eq!(table.get(b""), None);
        assert_eq!(table.get(&[9; 100]), None);
        // `for_each` gives back every token once, with its rank, from every part of the table.
        let mut seen = vec![];
        table.for_each(|t, rank| seen.push((rank, t.to_vec())));
        seen.sort();
        let want: Vec<_> = (tokens.iter().enumerate())
            .map(|(i, t)| (i as u32, t.clone()))
            .collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn pack_puts_byte_i_at_bits_8i_and_the_length_on_top() {
        let text: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
        for start in 0..text.len() - SHORT {
            for len in 0..=SHORT {
                let t = &text[start..start + len];
                let want = (t.iter().enumerate())
                    .fold((len as u64) << 56, |k, (i, &b)| k | (b as u64) << (8 * i));
                assert_eq!(pack(t), want, "{t:?}");
            }
        }
    }

    #[test]
    fn pack_at_packs_like_pack() {
        let text = b"abcdefghijklmnop";
        for start in 0..text.len() {
            for len in 0..=SHORT.min(text.len() - start) {
                assert_eq!(
                    pack_at(text, start, len),
                    pack(&text[start..start + len]),
                    "{start} {len}"
                );
            }
        }
    }

    #[test]
    fn a_duplicate_takes_its_last_rank() {
        let long = b"0123456789".to_vec();
        let toks = [(&b"ab"[..], 5), (b"ab", 6), (&long[..], 7), (&long[..], 8)];
        let table = RankTable::new(toks.into_iter()).unwrap();
        assert_eq!(table.get(b"ab"), Some(6));
        assert_eq!(table.get(&long), Some(8));
    }
}
