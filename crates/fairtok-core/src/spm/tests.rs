//! Small hand-made models: the rules that the real files of `tests/more_kinds.rs` do not reach
//! (unused pieces, refusals), each checked against what the library does.

use prost::Message;

use super::proto::{ModelProto, NormalizerSpec, Piece, TrainerSpec};
use super::*;

fn piece(text: &str, score: f32, kind: i32) -> Piece {
    Piece {
        piece: Some(text.to_owned()),
        score: Some(score),
        kind: Some(kind),
    }
}

/// A BPE model: `<unk>`, `<s>`, and the given normal pieces with their scores.
fn bpe_model(pieces: &[(&str, f32, i32)], trainer: TrainerSpec) -> Vec<u8> {
    let mut all = vec![piece("<unk>", 0.0, 2), piece("<s>", 0.0, 3)];
    all.extend(pieces.iter().map(|(t, s, k)| piece(t, *s, *k)));
    ModelProto {
        pieces: all,
        trainer_spec: Some(TrainerSpec {
            model_type: Some(2),
            ..trainer
        }),
        normalizer_spec: Some(NormalizerSpec {
            name: Some("identity".into()),
            ..Default::default()
        }),
        denormalizer_spec: None,
    }
    .encode_to_vec()
}

fn encode(data: &[u8], text: &str) -> Vec<u32> {
    let m = SpmModel::from_bytes(data, "t.model").unwrap();
    let mut out = vec![];
    m.encode(text, &mut out);
    out
}

#[test]
fn bpe_merges_by_score_and_splits_unused_pieces() {
    let base = [
        ("▁", 0.0, 1),
        ("a", 0.0, 1),
        ("b", 0.0, 1),
        ("c", 0.0, 1),
        ("▁a", -1.0, 1),
        ("ab", -0.5, 1),
        ("bc", -2.0, 1),
    ];
    let m = bpe_model(&base, TrainerSpec::default());
    // "▁abc": "ab" (-0.5) first, then nothing joins "▁" + "ab" or "ab" + "c".
    assert_eq!(encode(&m, "abc"), [2, 7, 5]);
    // With "ab" unused, it is still merged (its score ranks it) and then split back.
    let mut unused = base;
    unused[5].2 = 5;
    let m = bpe_model(&unused, TrainerSpec::default());
    assert_eq!(encode(&m, "abc"), [2, 3, 4, 5]);
}

#[test]
fn unknown_runs_and_byte_fallback() {
    let pieces = [("▁", 0.0, 1), ("a", 0.0, 1)];
    let m = bpe_model(&pieces, TrainerSpec::default());
    // Two unknown characters are one unknown id.
    assert_eq!(encode(&m, "a가나a"), [2, 3, 0, 3]);
    let mut with_bytes: Vec<(String, f32, i32)> = pieces
        .iter()
        .map(|(t, s, k)| (t.to_string(), *s, *k))
        .collect();
    with_bytes.extend((0..=255u8).map(|b| (format!("<0x{b:02X}>"), 0.0, 6)));
    let refs: Vec<(&str, f32, i32)> = with_bytes
        .iter()
        .map(|(t, s, k)| (t.as_str(), *s, *k))
        .collect();
    let trainer = TrainerSpec {
        byte_fallback: Some(true),
        ..Default::default()
    };
    let m = bpe_model(&refs, trainer);
    let ids = encode(&m, "가");
    // "▁" then the three bytes of U+AC00 (EA B0 80) as <0xXX> pieces (ids from 4 on).
    assert_eq!(ids, [2, 4 + 0xEA, 4 + 0xB0, 4 + 0x80]);
    let model = SpmModel::from_bytes(&m, "t.model").unwrap();
    assert_eq!(model.decode(&ids), "가".as_bytes());
}

#[test]
fn what_the_library_refuses_or_fairtok_does_not_implement() {
    let err = |data: &[u8]| {
        SpmModel::from_bytes(data, "t.model")
            .unwrap_err()
            .to_string()
    };
    // `bpe_model` makes BPE models: WORD is set by hand.
    let word = bpe_model(&[], TrainerSpec::default());
    let mut proto = ModelProto::decode(&word[..]).unwrap();
    proto.trainer_spec.as_mut().unwrap().model_type = Some(3);
    let e = err(&proto.encode_to_vec());
    assert!(
        e.contains("trainer_spec.model_type") && e.contains("WORD"),
        "{e}"
    );
    let suffix = TrainerSpec {
        treat_whitespace_as_suffix: Some(true),
        ..Default::default()
    };
    assert!(err(&bpe_model(&[], suffix)).contains("treat_whitespace_as_suffix"));
    let e = err(&bpe_model(&[("<0x41>", 0.0, 6)], TrainerSpec::default()));
    assert!(
        e.contains("pieces[2]") && e.contains("byte_fallback"),
        "{e}"
    );
    let e = err(&bpe_model(
        &[("a", 0.0, 1), ("a", 0.0, 1)],
        TrainerSpec::default(),
    ));
    assert!(e.contains("pieces[3]") && e.contains("twice"), "{e}");
    let mut no_unk = ModelProto::decode(&bpe_model(&[], TrainerSpec::default())[..]).unwrap();
    no_unk.pieces.remove(0);
    assert!(err(&no_unk.encode_to_vec()).contains("UNKNOWN"));
    assert!(err(b"\x0a\xff\xff\xff\xff\x0f").contains("not a SentencePiece model protobuf"));
    let mut bad_map = ModelProto::decode(&bpe_model(&[], TrainerSpec::default())[..]).unwrap();
    bad_map
        .normalizer_spec
        .as_mut()
        .unwrap()
        .precompiled_charsmap = Some(vec![9, 0, 0, 0, 1]);
    let e = err(&bad_map.encode_to_vec());
    assert!(e.contains("precompiled_charsmap"), "{e}");
}

#[test]
fn a_piece_across_a_space_keeps_the_text_whole() {
    // "b▁" has a `▁` after another character: the text is not cut before `▁`, and the merge
    // "a" + "b▁" → "ab▁" happens as in the library.
    let pieces = [
        ("▁", 0.0, 1),
        ("a", 0.0, 1),
        ("b", 0.0, 1),
        ("b▁", -1.0, 1),
        ("ab▁", -2.0, 1),
    ];
    let m = bpe_model(&pieces, TrainerSpec::default());
    let model = SpmModel::from_bytes(&m, "t.model").unwrap();
    assert!(!model.cuts_at_spaces);
    assert_eq!(encode(&m, "ab b"), [2, 6, 4]);
    let plain = bpe_model(&pieces[..3], TrainerSpec::default());
    assert!(
        SpmModel::from_bytes(&plain, "t.model")
            .unwrap()
            .cuts_at_spaces
    );
}
