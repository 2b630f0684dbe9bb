//! Fuzzes the SentencePiece `.model` loader ([`Tokenizer::from_sentencepiece`], the path
//! `Tokenizer::load` takes for a `.model` file): any bytes must load or be refused with an
//! error, never panic, abort or allocate far beyond their size. That covers the protobuf
//! reader, the piece checks, the precompiled character map (a Darts double-array walked with
//! offsets from the file) and the Unigram trie. A model that loads must encode every text
//! (a SentencePiece model always has an unknown piece): a few fixed texts (spaces, Korean, a
//! character no seed knows, a user-defined symbol) and texts taken from the input itself (its
//! pieces are in it), with and without BOS (refused where the model has none); every id must
//! be below `n_vocab`, `count` must equal the number of ids, and the ids must decode.
#![no_main]

use fairtok_core::{EncodeOptions, Specials, Tokenizer};
use libfuzzer_sys::fuzz_target;

const FIXED: &[&str] = &[
    "Hello, world!",
    "  two  spaces\tand a tab\n",
    "안녕하세요 세계",
    "unknown ✓ ＡＢ ﬁ ① 가",
    "<sep> <s> a b",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Ok(t) = Tokenizer::from_sentencepiece(data, "fuzz", "fuzz") else {
        return;
    };
    let n = t.n_vocab();
    let head = String::from_utf8_lossy(&data[..data.len().min(256)]).into_owned();
    let tail = String::from_utf8_lossy(&data[data.len().saturating_sub(128)..]).into_owned();
    let texts = FIXED.iter().copied().chain([head.as_str(), tail.as_str()]);
    for text in texts {
        for add_special in [false, true] {
            let opts = EncodeOptions {
                specials: Specials::Default,
                add_special,
            };
            let ids = match t.encode_with(text, &opts) {
                Ok(ids) => ids,
                // A model without a BOS control symbol refuses to add one, as the library.
                Err(fairtok_core::Error::InvalidOption { .. }) if add_special => continue,
                Err(e) => panic!("a SentencePiece model encodes every text: {e:?}"),
            };
            if let Some(&id) = ids.iter().find(|&&id| id as usize >= n) {
                panic!("id {id} from encoding {text:?} is not below n_vocab {n}");
            }
            if !add_special {
                assert_eq!(t.count(text).unwrap(), ids.len(), "count vs encode");
            }
            t.decode_bytes(&ids).expect("ids from encode decode");
        }
    }
});
