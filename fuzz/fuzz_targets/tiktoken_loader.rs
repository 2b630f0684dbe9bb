//! Fuzzes the `.tiktoken` loader ([`Tokenizer::from_tiktoken`], the path `Tokenizer::load`
//! takes for a rank file): any bytes must load or be refused with an error, never panic,
//! abort or allocate far beyond their size. A document that loads must then encode its own
//! text (as UTF-8, lossily) and decode back to exactly that text, or refuse to encode it
//! (a vocabulary without every single byte cannot encode every text).
#![no_main]

use fairtok_core::Tokenizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let specials = vec![("<|endoftext|>".to_owned(), 100)];
    let Ok(t) = Tokenizer::from_tiktoken(data, "fuzz", "fuzz", "r50k", specials) else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    if let Ok(ids) = t.encode(&text) {
        let back = t.decode_bytes(&ids).expect("ids from encode decode");
        assert_eq!(back, text.as_bytes(), "decode(encode(x)) != x");
    }
});
