//! Fuzzes the WordPiece `vocab.txt` loader ([`Tokenizer::from_vocab_txt`], the path
//! `Tokenizer::load` takes for a `vocab.txt`), cased and lower-cased: any bytes must load or be
//! refused with an error, never panic, abort or allocate far beyond their size. A vocabulary
//! that loads must encode a few fixed texts and the input's own text (its lines are the
//! tokens), with and without `[CLS]`/`[SEP]`, with ids below `n_vocab` that decode.
#![no_main]

use fairtok_core::{EncodeOptions, Specials, Tokenizer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let own = String::from_utf8_lossy(&data[..data.len().min(512)]).into_owned();
    for lowercase in [false, true] {
        let Ok(t) = Tokenizer::from_vocab_txt(data, "fuzz", "fuzz", lowercase) else {
            continue;
        };
        let n = t.n_vocab();
        for text in [
            "Hello, worlds! Café 안녕하세요 [CLS] unknown✓",
            own.as_str(),
        ] {
            for add_special in [false, true] {
                let opts = EncodeOptions {
                    specials: Specials::Default,
                    add_special,
                };
                if let Ok(ids) = t.encode_with(text, &opts) {
                    if let Some(&id) = ids.iter().find(|&&id| id as usize >= n) {
                        panic!("id {id} from encoding {text:?} is not below n_vocab {n}");
                    }
                    t.decode_bytes(&ids).expect("ids from encode decode");
                }
            }
        }
    }
});
