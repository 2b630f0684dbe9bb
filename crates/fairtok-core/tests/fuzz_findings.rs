//! Inputs the fuzz targets found (`docs/FUZZING.md`), each kept as a regression test.

use fairtok_core::{EncodeOptions, Specials, Tokenizer};

/// Encoding with the post-processor fails with `expected` (with either kind of specials),
/// and encoding without it gives ids that decode.
fn refused_only_with_the_post_processor(t: &Tokenizer, expected: &str) {
    for specials in [Specials::Default, Specials::None] {
        let with = EncodeOptions {
            specials: specials.clone(),
            add_special: true,
        };
        let e = t.encode_with("Hello <s> 안녕", &with).unwrap_err();
        assert!(e.to_string().contains(expected), "{e}");
        let without = EncodeOptions {
            specials,
            add_special: false,
        };
        let ids = t.encode_with("Hello <s> 안녕", &without).unwrap();
        t.decode_bytes(&ids).unwrap();
    }
}

/// `tokenizer_json_loader`: a template that adds `<s>` as id 1 while the vocabulary gives
/// `<s>` id 0. Encoding with the post-processor gave id 1, which does not decode; the
/// post-processor is now refused when it is used, naming the id, and encoding without it is
/// unchanged.
#[test]
fn a_post_processor_id_outside_the_vocabulary_is_refused() {
    let data = include_bytes!("data/fuzz-post-processor-unknown-id.json");
    let t = Tokenizer::from_tokenizer_json(data, "t", "t.json").unwrap();
    refused_only_with_the_post_processor(
        &t,
        "the post-processor adds id 1, which is not in the vocabulary",
    );
}

/// `tokenizer_json_loader`: a template item `{"SpecialToken": {"ad": "<s>"}}` (no `id`) was
/// read as the token `""`, which this Unigram vocabulary has (id 65) but which has no bytes,
/// so the ids did not decode. tokenizers refuses a template item without `id`, and panics at
/// encode on one whose name is not in the template's `special_tokens`: both are now refused
/// when the post-processor is used, and encoding without it is unchanged.
#[test]
fn a_template_special_token_without_a_listed_id_is_refused() {
    let data = include_bytes!("data/fuzz-template-special-unlisted.json");
    let t = Tokenizer::from_tokenizer_json(data, "t", "t.json").unwrap();
    refused_only_with_the_post_processor(&t, "has no string `id`");
    let unlisted = String::from_utf8_lossy(data).replace(r#"{"ad": "<s>""#, r#"{"id": "</s>""#);
    let t = Tokenizer::from_tokenizer_json(unlisted.as_bytes(), "t", "t.json").unwrap();
    let with = EncodeOptions {
        specials: Specials::None,
        add_special: true,
    };
    let e = t.encode_with("안녕", &with).unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"the template's special token "</s>" is not in its `special_tokens`"#),
        "{e}"
    );
}

/// `tokenizer_json_loader`: a decoder that replaces `▁` with nothing makes the token `▁`
/// decode to no bytes, and the decoder took a token without bytes for an id outside the
/// vocabulary, so ids that tokenizers decodes failed to decode. Ids and text as tokenizers
/// 0.23.3 gives them for this file (`encode(text).ids`, `decode(ids,
/// skip_special_tokens=False)`).
#[test]
fn a_token_that_decodes_to_nothing_decodes() {
    let data = include_bytes!("data/fuzz-token-decodes-to-nothing.json");
    let t = Tokenizer::from_tokenizer_json(data, "t", "t.json").unwrap();
    let opts = EncodeOptions {
        specials: Specials::Default,
        add_special: true,
    };
    let ids = t
        .encode_with("Hello, world! café 안녕 <s> 123", &opts)
        .unwrap();
    assert_eq!(
        ids,
        [1, 166, 0, 166, 0, 166, 102, 170, 0, 172, 166, 1, 166, 52, 53, 54]
    );
    assert_eq!(t.token_bytes(166), Some(&b""[..]));
    assert_eq!(
        String::from_utf8(t.decode_bytes(&ids).unwrap()).unwrap(),
        "<s><unk><unk>ca<unk>안녕<s>123"
    );
}
