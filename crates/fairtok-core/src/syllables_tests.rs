//! Starting from syllables against merging from bytes: the same ids wherever `start` allows
//! it, and a refusal where it would not be.

use super::*;
use crate::bpe::{self, Start};
use crate::test_vocab::{builtin, tables};

/// The ids from bytes, and from syllables if `encode` takes the piece.
fn both(
    s: &Syllables,
    table: &RankTable,
    byte_ids: &[u32; 256],
    piece: &[u8],
) -> (Vec<u32>, Option<Vec<u32>>) {
    let rank = |t: &[u8]| table.get(t);
    let mut from_bytes = vec![];
    bpe::merge_scan(piece, &Start::bytes(byte_ids), rank, &mut from_bytes);
    let (mut ids, mut out) = (vec![], vec![]);
    let scan =
        |p: &[u8], start: &Start<'_>, out: &mut Vec<u32>| bpe::merge_scan(p, start, rank, out);
    let whole = s
        .encode(table, byte_ids, piece, &mut ids, &mut out, scan)
        .then_some(out);
    (from_bytes, whole)
}

/// The id the head of `piece` starts whole as, if it does (after [`both`] built the tables).
fn head_of(s: &Syllables, piece: &[u8]) -> Option<u32> {
    let t = s.tables.get().expect("built");
    let first = usize::from(piece[0] == b' ');
    let id = t.heads[first][syllable(&piece[first..first + 3])?];
    (id != NO).then_some(id)
}

/// Whether `piece` has a wall (a syllable that is no token) after its head.
fn has_wall(s: &Syllables, piece: &[u8]) -> bool {
    let t = s.tables.get().expect("built");
    let first = usize::from(piece[0] < 0x80);
    piece[first + 3..]
        .chunks(3)
        .any(|c| syllable(c).is_some_and(|s| t.walls[0][s][0] != NO))
}

/// Korean pieces: words of common syllables, random syllables from the whole block, and the
/// contexts of the tokens that cross a syllable boundary partly (`합니다`, `했습니다`, ...).
fn korean_pieces() -> Vec<Vec<u8>> {
    let common: Vec<char> =
        "이의가에는을를은한국어다니습했합었있하고서로으도만과와대해기지사람들것수년일정부시"
            .chars()
            .collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut pieces = vec![];
    for k in 0..20_000 {
        let n = 2 + next() as usize % 14;
        let mut s = String::new();
        if k % 3 != 0 {
            s.push([' ', ' ', '(', '"'][next() as usize % 4]);
        }
        for _ in 0..n {
            // Pieces from k = 10,000 on have a syllable from anywhere in the block now and
            // then (mostly not a token of o200k, so not started whole).
            let c = if k >= 10_000 && next() % 4 == 0 {
                char::from_u32(FIRST + (next() % COUNT as u64) as u32).unwrap()
            } else {
                common[next() as usize % common.len()]
            };
            s.push(c);
        }
        pieces.push(s.into_bytes());
    }
    for w in [
        "합니다",
        "했습니다",
        "입니다",
        "어떤",
        "아닌",
        "밝혀",
        "감사합니다 ",
        "념이",
        "볼 수",
    ] {
        for pre in ["", " ", "가", " 우리"] {
            pieces.push(format!("{pre}{w}").into_bytes());
        }
    }
    pieces.retain(|p| p.len() <= bpe::SCAN_MAX);
    pieces
}

#[test]
fn starting_from_syllables_changes_no_id_in_o200k_and_cl100k() {
    for name in ["o200k_base", "cl100k_base"] {
        let (table, byte_ids) = builtin(name);
        let s = Syllables::default();
        let (mut whole, mut total, mut walled) = (0, 0, 0);
        for (k, piece) in korean_pieces().into_iter().enumerate() {
            total += usize::from(k < 10_000);
            let (from_bytes, from_syllables) = both(&s, &table, &byte_ids, &piece);
            if let Some(ids) = from_syllables {
                assert_eq!(
                    ids,
                    from_bytes,
                    "{name}: {}",
                    String::from_utf8_lossy(&piece)
                );
                whole += usize::from(k < 10_000);
                walled += usize::from(has_wall(&s, &piece));
            }
        }
        // Most pieces of common syllables start from syllables, and thousands of pieces have a
        // wall: the test compares something.
        assert!(
            whole * 2 > total,
            "{name}: {whole} of {total} started whole"
        );
        assert!(walled > 2000, "{name}: {walled} pieces with walls");
    }
}

#[test]
fn a_syllable_that_a_lower_token_holds_is_not_started_whole() {
    // "가" is EA B0 80; "가가" ranks below "가" itself, so in BPE of "가가가" the first two
    // syllables merge before the third is made: [가가, 가]. Starting the later two whole would
    // merge them first instead: [가, 가가].
    let mut tokens: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
    tokens.push(("가가".as_bytes().to_vec(), 256));
    tokens.push((vec![0xEA, 0xB0], 300));
    tokens.push(("가".as_bytes().to_vec(), 301));
    let (table, byte_ids) = tables(&tokens);
    let s = Syllables::default();
    let piece = "가가가".as_bytes();
    let (from_bytes, from_syllables) = both(&s, &table, &byte_ids, piece);
    assert_eq!(from_bytes, vec![256, 301]);
    assert_eq!(from_syllables, None);
}

#[test]
fn a_token_crossing_into_a_syllable_stops_the_start() {
    // 나 is EB 82 98, 가 is EA B0 80. "\x98가" (the last byte of 나, then 가) ranks below 나:
    // from bytes, 가 is made, joins the 98 before 나 is made, and 나 never is.
    let mut tokens: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
    tokens.push((vec![0xEA, 0xB0], 256));
    tokens.push(("가".as_bytes().to_vec(), 257));
    tokens.push(([&[0x98u8][..], "가".as_bytes()].concat(), 258));
    tokens.push((vec![0xEB, 0x82], 399));
    tokens.push(("나".as_bytes().to_vec(), 400));
    let (table, byte_ids) = tables(&tokens);
    let piece = "나가".as_bytes();
    let (from_bytes, from_syllables) = both(&Syllables::default(), &table, &byte_ids, piece);
    assert_eq!(from_bytes, vec![399, 258]);
    assert_eq!(from_syllables, None);
    // Without the crossing token, the start is allowed and agrees.
    tokens.retain(|(_, r)| *r != 258);
    let (table, byte_ids) = tables(&tokens);
    let (plain, whole) = both(&Syllables::default(), &table, &byte_ids, piece);
    assert_eq!(plain, vec![400, 257]);
    assert_eq!(whole, Some(plain));
}

#[test]
fn every_head_next_to_every_token_that_extends_it_changes_no_id() {
    // The pieces where a head could go wrong: each syllable, bare and after a space, followed
    // by the rest of every token of whole syllables that starts with it (with or without the
    // space), and by a common syllable; and every syllable before a common word.
    for name in ["o200k_base", "cl100k_base"] {
        let (table, byte_ids) = builtin(name);
        let s = Syllables::default();
        let mut pieces: Vec<Vec<u8>> = vec![];
        table.for_each(|t, _| {
            if let Some((_, space)) = first_syllable(t) {
                let body = &t[usize::from(space)..];
                for pre in [&b""[..], b" "] {
                    pieces.push([pre, body].concat());
                    pieces.push([pre, body, "다".as_bytes()].concat());
                }
            }
        });
        for i in 0..COUNT as u32 {
            let c = char::from_u32(FIRST + i).unwrap();
            for rest in ["이", "니다", "에서"] {
                pieces.push(format!("{c}{rest}").into_bytes());
                pieces.push(format!(" {c}{rest}").into_bytes());
            }
        }
        let (mut heads, mut total) = (0, 0);
        for piece in pieces.iter().filter(|p| p.len() <= bpe::SCAN_MAX) {
            let (from_bytes, whole) = both(&s, &table, &byte_ids, piece);
            heads += usize::from(whole.is_some() && head_of(&s, piece).is_some());
            total += 1;
            if let Some(whole) = whole {
                let shown = String::from_utf8_lossy(piece);
                assert_eq!(whole, from_bytes, "{name}: {shown:?}");
            }
        }
        // The heads are used (most of these syllables are no token, so have none; in cl100k
        // few later syllables are, so few pieces start from syllables at all): the test
        // compares something.
        let least = if name == "o200k_base" {
            total / 20
        } else {
            100
        };
        assert!(heads > least, "{name}: {heads} heads in {total} pieces");
    }
}

#[test]
fn a_head_that_a_lower_token_extends_is_not_started_whole() {
    // " 나" is made at rank 302 (its last merge), but "나가" ranks below it: from bytes, "나가"
    // is made first and the space joins it (" 나가" is a token). Starting from the head " 나"
    // would give [" 나", "가"]... unless " 나가" is found by its bytes, so " 나가" is no token
    // here: from bytes [" ", "나가"].
    let mut tokens: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
    tokens.push((vec![0xEA, 0xB0], 256));
    tokens.push(("가".as_bytes().to_vec(), 257));
    tokens.push((vec![0xEB, 0x82], 258));
    tokens.push(("나".as_bytes().to_vec(), 259));
    tokens.push(("나가".as_bytes().to_vec(), 260));
    tokens.push((" 나".as_bytes().to_vec(), 302));
    let (table, byte_ids) = tables(&tokens);
    let s = Syllables::default();
    let piece = " 나가".as_bytes();
    let (from_bytes, whole) = both(&s, &table, &byte_ids, piece);
    assert_eq!(from_bytes, vec![b' ' as u32, 260]);
    assert_eq!(head_of(&s, piece), None);
    assert_eq!(whole, Some(from_bytes));
    // With "나가" above " 나", the head starts whole and agrees.
    tokens.retain(|(_, r)| *r != 260);
    tokens.push(("나가".as_bytes().to_vec(), 400));
    let (table, byte_ids) = tables(&tokens);
    let s = Syllables::default();
    let (from_bytes, whole) = both(&s, &table, &byte_ids, piece);
    assert_eq!(from_bytes, vec![302, 257]);
    assert_eq!(head_of(&s, piece), Some(302));
    assert_eq!(whole, Some(from_bytes));
}

#[test]
fn a_syllable_that_is_no_token_is_a_wall() {
    // 나 (EB 82 98) is no token, only its first two bytes are. "가나다" then encodes as
    // [가, EB 82, 98, 다] from bytes, and from syllables: 가 alone, the wall's own BPE, 다.
    let mut tokens: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
    tokens.push((vec![0xEA, 0xB0], 256));
    tokens.push(("가".as_bytes().to_vec(), 257));
    tokens.push((vec![0xEB, 0x82], 258));
    tokens.push((vec![0xEB, 0x8B], 259));
    tokens.push(("다".as_bytes().to_vec(), 260));
    let (table, byte_ids) = tables(&tokens);
    let s = Syllables::default();
    let piece = "가나다".as_bytes();
    let (from_bytes, whole) = both(&s, &table, &byte_ids, piece);
    assert_eq!(from_bytes, vec![257, 258, 0x98, 260]);
    assert!(has_wall(&s, piece));
    assert_eq!(whole, Some(from_bytes));
    // A token that crosses out of the wall partly (its last byte and the first of 다, made
    // before 다's own first merge) stops the start: from bytes, 다 is never made.
    let tokens = [
        (vec![0xEA, 0xB0], 300),
        ("가".as_bytes().to_vec(), 301),
        (vec![0xEB, 0x82], 302),
        (vec![0x98, 0xEB], 303),
        (vec![0xEB, 0x8B], 304),
        ("다".as_bytes().to_vec(), 305),
    ];
    let bytes = (0..=255u8).map(|b| (vec![b], b as u32));
    let (table, byte_ids) = tables(&bytes.chain(tokens).collect::<Vec<_>>());
    let s = Syllables::default();
    let (from_bytes, whole) = both(&s, &table, &byte_ids, piece);
    assert_eq!(from_bytes, vec![301, 302, 303, 0x8B, 0xA4]);
    assert_eq!(whole, None);
}

#[test]
fn syllables_that_meet_at_a_seam_token_change_no_id() {
    // cl100k has tokens of the end of one syllable and the start of the next ("\xa4\xed": the
    // end of 다, the start of 한): pieces where two syllables meet at one are searched.
    let (table, byte_ids) = builtin("cl100k_base");
    let s = Syllables::default();
    both(&s, &table, &byte_ids, " 가나".as_bytes());
    let t = s.tables.get().expect("built");
    assert!(!t.always, "every token of condition 2 is of a known kind");
    let with = |k: usize| (0..COUNT).filter(move |&i| bit(&t.seams[k], i));
    let (ends, starts): (Vec<_>, Vec<_>) =
        (with(0).step_by(7).collect(), with(1).step_by(97).collect());
    assert!(!ends.is_empty() && !starts.is_empty());
    let (mut refused, mut total) = (0, 0);
    for &a in &ends {
        for &b in &starts {
            let [a, b] = [a, b].map(|i| char::from_u32(FIRST + i as u32).unwrap());
            for piece in [format!(" {a}{b}"), format!("{a}{b}다")] {
                let (from_bytes, whole) = both(&s, &table, &byte_ids, piece.as_bytes());
                match whole {
                    Some(whole) => assert_eq!(whole, from_bytes, "{piece:?}"),
                    None => refused += 1,
                }
                total += 1;
            }
        }
    }
    // Where two syllables meet at a seam, the token of the seam is there and they are
    // refused (from bytes, its two bytes may merge); any others agree.
    assert!(refused * 2 > total, "{refused} of {total} refused");
}
