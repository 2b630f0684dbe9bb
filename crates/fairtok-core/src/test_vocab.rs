//! Vocabularies for the unit tests of the encoder's parts: a rank table and the ids of the
//! single bytes, from a list of tokens or from a built-in.

use crate::rank_table::RankTable;
use crate::tiktoken::RankList;

/// A rank table of `tokens` and the ids of the single bytes (`u32::MAX` where a byte is none).
pub(crate) fn tables(tokens: &[(Vec<u8>, u32)]) -> (RankTable, [u32; 256]) {
    let table = RankTable::new(tokens.iter().map(|(b, r)| (&b[..], *r))).unwrap();
    let mut byte_ids = [u32::MAX; 256];
    for (b, r) in tokens {
        if let [b] = b[..] {
            byte_ids[b as usize] = *r;
        }
    }
    (table, byte_ids)
}

/// [`tables`] of the built-in encoding `name`.
pub(crate) fn builtin(name: &str) -> (RankTable, [u32; 256]) {
    let b = crate::builtin::find(name).unwrap();
    let ranks = RankList::from_packed(b.ranks);
    let tokens: Vec<_> = ranks.iter().map(|(t, r)| (t.to_vec(), r)).collect();
    tables(&tokens)
}
