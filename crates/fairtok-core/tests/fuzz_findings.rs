//! Inputs the fuzz targets found (`docs/FUZZING.md`), each kept as a regression test.

use fairtok_core::{EncodeOptions, Specials, Tokenizer};

/// `tokenizer_json_loader`: a template that adds `<s>` as id 1 while the vocabulary gives
/// `<s>` id 0. Encoding with the post-processor gave id 1, which does not decode; the
/// post-processor is now refused when it is used, naming the id, and encoding without it is
/// unchanged.
#[test]
fn a_post_processor_id_outside_the_vocabulary_is_refused() {
    let data = include_bytes!("data/fuzz-post-processor-unknown-id.json");
    let t = Tokenizer::from_tokenizer_json(data, "t", "t.json").unwrap();
    for specials in [Specials::Default, Specials::None] {
        let with = EncodeOptions {
            specials: specials.clone(),
            add_special: true,
        };
        let e = t.encode_with("Hello <s> 안녕", &with).unwrap_err();
        assert!(
            e.to_string()
                .contains("the post-processor adds id 1, which is not in the vocabulary"),
            "{e}"
        );
        let without = EncodeOptions {
            specials,
            add_special: false,
        };
        let ids = t.encode_with("Hello <s> 안녕", &without).unwrap();
        t.decode_bytes(&ids).unwrap();
    }
}
