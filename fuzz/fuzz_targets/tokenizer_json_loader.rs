//! Fuzzes the `tokenizer.json` loader ([`Tokenizer::from_tokenizer_json`], the path
//! `Tokenizer::load` takes for a document starting with `{`): any bytes must load or be
//! refused with an error, never panic, abort or allocate far beyond their size. A document
//! that loads must encode a fixed text and its own text without panicking, and the ids it
//! gives must decode (normalizers and decoders may change the text, so equality is the
//! property tests' business, on real files).
#![no_main]

use fairtok_core::{EncodeOptions, Specials, Tokenizer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = Tokenizer::from_tokenizer_json(data, "fuzz", "fuzz") else {
        return;
    };
    let own = String::from_utf8_lossy(&data[..data.len().min(512)]).into_owned();
    for text in ["Hello, world! café 안녕 <s> 123", own.as_str()] {
        for specials in [Specials::Default, Specials::None] {
            let opts = EncodeOptions {
                specials,
                add_special: true,
            };
            if let Ok(ids) = t.encode_with(text, &opts) {
                t.decode_bytes(&ids).expect("ids from encode decode");
            }
        }
    }
});
