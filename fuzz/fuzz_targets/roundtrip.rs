//! Fuzzes encoding against a naive reference: a small fixed rank table (the 256 bytes and a
//! few dozen merges, some of them out of the order their parts would suggest), the r50k
//! pattern split by `fancy-regex` (the reference engine for that pattern), and tiktoken's
//! merge rule written out in the slowest obvious way: a piece that is a token is that token;
//! otherwise repeatedly merge the adjacent pair whose concatenation has the lowest rank
//! (leftmost on ties) until no adjacent pair is a token. fairtok's ids must equal the
//! reference's, `count` must equal their number, and decoding them must give the text back.
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use fairtok_core::Tokenizer;
use libfuzzer_sys::fuzz_target;

/// The merges after the 256 single bytes, in rank order (rank 256 first).
const MERGES: &[&[u8]] = &[
    b"aaa", // before its parts: reached only whole, or from "aa" + "a"
    b"aa",
    b"th",
    b"he",
    b"the",
    b" t",
    b" the",
    b"in",
    b"ing",
    b"er",
    b"an",
    b" a",
    b" an",
    b"and",
    b" and",
    b"re",
    b"on",
    b"at",
    b"aaaa",
    b"ab",
    b"abab",
    b"ba",
    b"bab",
    b"\xc3\xa9", // é
    b"caf",
    b"caf\xc3\xa9",
    b"\xec\x95",     // the first two bytes of 안
    b"\xec\x95\x88", // 안
    b"  ",
    b"\n\n",
    b"12",
    b"123",
    b"...",
    b"..",
];

struct Reference {
    tokenizer: Tokenizer,
    ranks: HashMap<Vec<u8>, u32>,
    split: fancy_regex::Regex,
}

fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| {
        let mut ranks: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
        for (i, m) in MERGES.iter().enumerate() {
            ranks.push((m.to_vec(), 256 + i as u32));
        }
        let pattern = fairtok_core::pattern::R50K;
        let tokenizer = Tokenizer::from_ranks("naive", "fuzz", ranks.clone(), pattern, vec![])
            .expect("the fixed table loads");
        Reference {
            tokenizer,
            ranks: ranks.into_iter().collect(),
            split: fancy_regex::Regex::new(pattern).expect("r50k compiles"),
        }
    })
}

/// tiktoken's rule for one piece, naively.
fn naive_merge(ranks: &HashMap<Vec<u8>, u32>, piece: &[u8]) -> Vec<u32> {
    if let Some(&r) = ranks.get(piece) {
        return vec![r];
    }
    let mut parts: Vec<Vec<u8>> = piece.iter().map(|&b| vec![b]).collect();
    loop {
        let best = (0..parts.len().saturating_sub(1))
            .filter_map(|i| {
                let joined = [&parts[i][..], &parts[i + 1][..]].concat();
                ranks.get(&joined).map(|&r| (r, i))
            })
            .min();
        let Some((_, i)) = best else { break };
        let right = parts.remove(i + 1);
        parts[i].extend_from_slice(&right);
    }
    parts.iter().map(|p| ranks[p]).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let r = reference();
    let mut expected = vec![];
    for m in r.split.find_iter(text) {
        // fancy-regex gives up on pathological backtracking; r50k never needs it.
        let m = m.expect("r50k splits without a backtrack limit");
        expected.extend(naive_merge(&r.ranks, m.as_str().as_bytes()));
    }
    let ids = r.tokenizer.encode(text).expect("every byte is a token");
    assert_eq!(ids, expected, "fairtok vs the naive merge on {text:?}");
    assert_eq!(r.tokenizer.count(text).unwrap(), ids.len());
    assert_eq!(r.tokenizer.decode_bytes(&ids).unwrap(), text.as_bytes());
});
