//! The backtracking search against the merge loop: the same ids on every piece it does not
//! give up on, and no giving up on the long runs it is for.

use proptest::prelude::*;

use super::*;
use crate::test_vocab::{builtin, tables};
use crate::tiktoken::encode_piece_with;

/// The search's ids for `piece`, or `None` if it gave up.
fn search(bt: &Backtrack, table: &RankTable, ids: &[u32; 256], piece: &[u8]) -> Option<Vec<u32>> {
    let mut out = vec![7]; // what is already there stays
    bt.encode(table, ids, piece, &mut out)
        .then(|| out.split_off(1))
}

/// Long pieces of the kinds that reach the search: runs of one character, of a few letters,
/// text of scripts written without spaces, and noise.
fn long_pieces() -> Vec<Vec<u8>> {
    let mut pieces = vec![];
    for c in [
        "a", "z", "A", " ", "\n", "0", "-", "=", "가", "한", "の", "字", "ก", "🙂", "é",
    ] {
        for n in [17, 49, 50, 64, 65, 127, 128, 129, 200, 1000, 4097] {
            pieces.push(c.repeat(n).into_bytes());
        }
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for alphabet in [
        &["a", "b"][..],
        &["a", "a", "b"],
        &["A", "C", "G", "T"],
        &["가", "나", "다", "한", "국"],
    ] {
        for _ in 0..40 {
            let n = 20 + next() as usize % 400;
            let s: String = (0..n)
                .map(|_| alphabet[next() as usize % alphabet.len()])
                .collect();
            pieces.push(s.into_bytes());
        }
    }
    let thai = "ภาษาไทยเป็นภาษาที่เขียนโดยไม่เว้นวรรคระหว่างคำ";
    let hangul = "대한민국의헌법은국민의기본권을보장하고있다";
    let words = "internationalizationcharacterizationsuperconductivity";
    let japanese = "日本語の文章は単語の間に空白を置かずに書かれるのでカタカナも漢字も続く";
    let chinese = "中文的句子在词与词之间不使用空格分隔因此一段文字就是一个很长的片段";
    for s in [thai, hangul, words, japanese, chinese] {
        for k in 1..6 {
            pieces.push(s.repeat(k).into_bytes());
        }
    }
    for _ in 0..50 {
        let n = 49 + next() as usize % 300;
        pieces.push((0..n).map(|_| next() as u8).collect());
    }
    pieces
}

#[test]
fn agrees_with_the_merge_loop_on_o200k_and_cl100k() {
    for name in ["o200k_base", "cl100k_base"] {
        let (table, ids) = builtin(name);
        let bt = Backtrack::default();
        let mut gave_up = 0;
        for piece in long_pieces() {
            if table.get(&piece).is_some() {
                continue;
            }
            let want = encode_piece_with(&piece, |t| table.get(t)).unwrap();
            match search(&bt, &table, &ids, &piece) {
                Some(got) => assert_eq!(got, want, "{name}: {:?}", String::from_utf8_lossy(&piece)),
                None => gave_up += 1,
            }
        }
        // Random bytes may meet an irregular token; the text never should.
        assert!(gave_up <= 20, "{name}: gave up on {gave_up} pieces");
    }
}

#[test]
fn a_run_of_one_character_is_found_without_giving_up() {
    let (table, ids) = builtin("o200k_base");
    let bt = Backtrack::default();
    for c in ["a", " ", "가", "0"] {
        let piece = c.repeat(300_000).into_bytes();
        let got = search(&bt, &table, &ids, &piece).expect("no giving up on a run");
        assert_eq!(
            got,
            encode_piece_with(&piece, |t| table.get(t)).unwrap(),
            "{c}"
        );
    }
}

#[test]
fn a_vocabulary_with_a_token_past_128_bytes_is_left_to_the_merge_loop() {
    let mut tokens: Vec<_> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
    tokens.push((b"ab".to_vec(), 256));
    tokens.push((vec![b'x'; 129], 257));
    let (table, ids) = tables(&tokens);
    assert_eq!(
        search(&Backtrack::default(), &table, &ids, &b"ab".repeat(40)),
        None
    );
}

/// A vocabulary over `a`, `b`, `c` grown by joining two tokens at random: ranks in order of
/// creation (`shuffle` false, as BPE training makes them), or shuffled (hand-made, often
/// irregular).
fn vocabulary(joins: &[(u16, u16)], shuffle: u64) -> Vec<(Vec<u8>, u32)> {
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let letters = [b'a' as usize, b'b' as usize, b'c' as usize];
    let mut made: Vec<usize> = letters.to_vec();
    for &(x, y) in joins {
        let (x, y) = (made[x as usize % made.len()], made[y as usize % made.len()]);
        let t = [&tokens[x][..], &tokens[y][..]].concat();
        if t.len() <= 24 && !tokens.contains(&t) {
            made.push(tokens.len());
            tokens.push(t);
        }
    }
    let mut ranks: Vec<u32> = (0..tokens.len() as u32).collect();
    if shuffle != 0 {
        let mut s = shuffle;
        for i in (1..ranks.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ranks.swap(i, s as usize % (i + 1));
        }
    }
    tokens.into_iter().zip(ranks).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn same_ids_as_the_merge_loop_or_gives_up(
        joins in prop::collection::vec((any::<u16>(), any::<u16>()), 0..120),
        shuffle in prop_oneof![Just(0u64), 1..u64::MAX],
        pieces in prop::collection::vec(prop::collection::vec(0..3u8, 1..160), 1..8),
    ) {
        let (table, ids) = tables(&vocabulary(&joins, shuffle));
        let bt = Backtrack::default();
        for piece in pieces {
            let piece: Vec<u8> = piece.iter().map(|&k| b'a' + k).collect();
            if table.get(&piece).is_some() {
                continue;
            }
            let want = encode_piece_with(&piece, |t| table.get(t)).unwrap();
            if let Some(got) = search(&bt, &table, &ids, &piece) {
                prop_assert_eq!(got, want);
            }
        }
    }
}

#[test]
fn vocabularies_made_in_order_are_searched_not_given_up() {
    // Ranks in order of creation, as training makes them: the search should rarely need the
    // merge loop, or the property test above would compare little.
    let (mut found, mut gave_up) = (0, 0);
    for seed in 0..200u64 {
        let joins: Vec<(u16, u16)> = (0..100)
            .map(|i| {
                let h = (seed * 1000 + i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                ((h >> 20) as u16, (h >> 40) as u16)
            })
            .collect();
        let (table, ids) = tables(&vocabulary(&joins, 0));
        let bt = Backtrack::default();
        for k in 0..10u64 {
            let piece: Vec<u8> = (0..20 + k * 13)
                .map(|i| b'a' + ((seed * 31 + k * 7 + i * i * 3 + i / 3) % 3) as u8)
                .collect();
            if table.get(&piece).is_some() {
                continue;
            }
            let want = encode_piece_with(&piece, |t| table.get(t)).unwrap();
            match search(&bt, &table, &ids, &piece) {
                Some(got) => {
                    assert_eq!(got, want, "seed {seed}, piece {k}");
                    found += 1;
                }
                None => gave_up += 1,
            }
        }
    }
    assert!(gave_up * 20 <= found, "found {found}, gave up on {gave_up}");
}
