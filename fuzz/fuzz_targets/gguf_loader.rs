//! Fuzzes the GGUF metadata reader ([`fairtok_core::gguf::read_metadata`], what
//! `Tokenizer::load` reads of a `.gguf` file): any bytes must be read or refused with an error,
//! never panic, abort or allocate far beyond their size (every length and count is checked
//! against the bytes left). Metadata that reads goes on through the tokenizer fields and the
//! tokenizer they make (`Tokenizer::from_gguf_metadata`: llama.cpp's rules); a tokenizer that
//! loads must encode and decode a fixed text.
#![no_main]

use fairtok_core::{gguf, Tokenizer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(meta) = gguf::read_metadata(data, "fuzz") else {
        return;
    };
    if meta.tokenizer().is_err() {
        return;
    }
    if let Ok(t) = Tokenizer::from_gguf_metadata(&meta, "fuzz", "fuzz") {
        if let Ok(ids) = t.encode("Hello, world! 안녕 123") {
            t.decode_bytes(&ids).expect("ids from encode decode");
        }
    }
});
