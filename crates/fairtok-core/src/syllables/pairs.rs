//! Merging a run of whole-syllable tokens by their ids, with a table of a few kilobytes.
//!
//! # Why it is exact
//!
//! In a run that `syllables.rs` starts whole (after a head that starts whole, or after a
//! wall), every part is a token of whole syllables (the head: a space and one syllable), and
//! condition 2 holds, so every token a merge can make there is whole syllables too, with a
//! space before them if the run starts at the head. tiktoken asks for the rank of the two
//! parts' bytes together; for such parts that is a token of two or more whole syllables (and
//! perhaps a space) split at a syllable into two tokens, and this table holds every such
//! split under the two tokens' ids. So a lookup here answers exactly what the rank table
//! would, and the rule (the lowest rank, then the leftmost) is the same.
//!
//! # Cost
//!
//! o200k has 1,218 tokens of two or more whole Hangul syllables (perhaps after a space), with
//! 1,238 splits into two tokens: 4,096 slots of 12 bytes, 48 KB (cl100k: 51 splits, 1.5 KB).
//! It stays in the first- or second-level cache, where the rank table (megabytes) does not. A run has at most 16 parts ([`crate::bpe::SCAN_MAX`] / 3), so the
//! merge scans at most 15 pairs per step: `O(n²)` on `n <= 16`, no allocation.

/// "No such pair" (also: an empty slot's key).
const NO: u32 = u32::MAX;
/// The most parts of a run.
pub(super) const MAX: usize = 16;
const _: () = assert!(
    crate::bpe::SCAN_MAX / 3 <= MAX,
    "a run of the short merge's longest piece fits"
);

/// The table of splits: `(left id, right id)` → the rank (= id) of the token they make.
pub(super) struct Pairs {
    /// `left << 32 | right`, or `u64::MAX` for an empty slot.
    keys: Box<[u64]>,
    /// The rank of the slot's pair.
    ranks: Box<[u32]>,
    /// Slots - 1 (slots are a power of two, at least twice the entries).
    mask: usize,
}

impl Pairs {
    /// A table of `(left, right, rank)`; a pair listed twice keeps its lowest rank.
    pub(super) fn new(entries: &[(u32, u32, u32)]) -> Pairs {
        let slots = (2 * entries.len()).next_power_of_two().max(16);
        let mut p = Pairs {
            keys: vec![u64::MAX; slots].into_boxed_slice(),
            ranks: vec![NO; slots].into_boxed_slice(),
            mask: slots - 1,
        };
        for &(l, r, rank) in entries {
            let key = u64::from(l) << 32 | u64::from(r);
            let mut i = p.slot(key);
            while p.keys[i] != u64::MAX && p.keys[i] != key {
                i = (i + 1) & p.mask;
            }
            p.keys[i] = key;
            p.ranks[i] = p.ranks[i].min(rank);
        }
        p
    }

    /// The first slot to probe for `key`.
    #[inline(always)]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & self.mask
    }

    /// The rank of the token that `left` and `right` make, or `NO`.
    #[inline(always)]
    fn get(&self, left: u32, right: u32) -> u32 {
        let key = u64::from(left) << 32 | u64::from(right);
        let mut i = self.slot(key);
        loop {
            match self.keys[i] {
                k if k == key => return self.ranks[i],
                u64::MAX => return NO,
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    /// Merges the parts `head` (if any) and then `ids` (together at most [`MAX`]) by
    /// tiktoken's rule, and appends the result to `out`.
    pub(super) fn merge(&self, head: Option<u32>, ids: &[u32], out: &mut Vec<u32>) {
        let mut parts = [NO; MAX];
        let h = usize::from(head.is_some());
        let mut n = h + ids.len();
        debug_assert!(
            n <= MAX,
            "a run of at most {MAX} parts (checked at compile time)"
        );
        if let Some(id) = head {
            parts[0] = id;
        }
        parts[h..n].copy_from_slice(ids);
        // ranks[i]: the pair of parts i and i + 1.
        let mut ranks = [NO; MAX];
        for i in 0..n.saturating_sub(1) {
            ranks[i] = self.get(parts[i], parts[i + 1]);
        }
        while n > 1 {
            let (mut best, mut at) = (NO, 0);
            for (i, &r) in ranks[..n - 1].iter().enumerate() {
                if r < best {
                    (best, at) = (r, i);
                }
            }
            if best == NO {
                break;
            }
            parts[at] = best;
            parts.copy_within(at + 2..n, at + 1);
            if at + 2 < n {
                ranks.copy_within(at + 2..n - 1, at + 1);
            }
            n -= 1;
            if at + 1 < n {
                ranks[at] = self.get(parts[at], parts[at + 1]);
            }
            ranks[n - 1] = NO;
            if at > 0 {
                ranks[at - 1] = self.get(parts[at - 1], parts[at]);
            }
        }
        out.extend_from_slice(&parts[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The rule written plainly: merge the lowest-ranked adjacent pair, leftmost first.
    fn plain(table: &HashMap<(u32, u32), u32>, ids: &[u32]) -> Vec<u32> {
        let mut parts = ids.to_vec();
        loop {
            let best = (0..parts.len().saturating_sub(1))
                .filter_map(|i| Some((*table.get(&(parts[i], parts[i + 1]))?, i)))
                .min();
            let Some((rank, i)) = best else { break };
            parts[i] = rank;
            parts.remove(i + 1);
        }
        parts
    }

    #[test]
    fn merges_as_the_plain_rule_on_random_runs() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        // Ids 0..8 are parts; merges make ids from 100 on, which may merge again.
        let mut entries = vec![];
        for rank in 100..160u32 {
            let mut part = || match next(3) {
                0 if rank > 100 => 100 + next(u64::from(rank - 100)) as u32,
                _ => next(8) as u32,
            };
            let (l, r) = (part(), part());
            entries.push((l, r, rank));
        }
        let table: HashMap<_, _> = entries.iter().rev().map(|&(l, r, k)| ((l, r), k)).collect();
        let entries: Vec<_> = table.iter().map(|(&(l, r), &k)| (l, r, k)).collect();
        let pairs = Pairs::new(&entries);
        let mut merged = 0;
        for _ in 0..5_000 {
            let n = 1 + next(MAX as u64) as usize;
            let ids: Vec<u32> = (0..n).map(|_| next(8) as u32).collect();
            let (head, rest) = if next(2) == 0 {
                (Some(ids[0]), &ids[1..])
            } else {
                (None, &ids[..])
            };
            let mut out = vec![];
            pairs.merge(head, rest, &mut out);
            assert_eq!(out, plain(&table, &ids), "{ids:?}");
            merged += ids.len() - out.len();
        }
        assert!(
            merged > 10_000,
            "{merged} merges: the test compares something"
        );
    }
}
