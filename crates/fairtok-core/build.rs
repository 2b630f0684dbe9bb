//! Packs the bundled `.tiktoken` rank files into the form the library loads at run time, so
//! that loading a built-in decodes no base64 and makes no allocation per token.
//!
//! `assets/NAME.tiktoken` becomes `$OUT_DIR/NAME.packed`:
//!
//! ```text
//! n: u32 LE         number of tokens, in file order
//! ranks: n × u32 LE their ranks
//! lens: n × u16 LE  their lengths in bytes
//! bytes             their bytes, one after another
//! ```
//!
//! The files are fixed, so a malformed line (or a token longer than 65535 bytes) fails the
//! build. `fairtok-core`'s tests check the packed lists against the
//! text files, token for token.

use std::path::Path;

use base64::Engine as _;

const FILES: &[&str] = &[
    "cl100k_base",
    "o200k_base",
    "r50k_base",
    "p50k_base",
    "o200k_ko.added",
];

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in FILES {
        let src = format!("assets/{name}.tiktoken");
        println!("cargo:rerun-if-changed={src}");
        let text = std::fs::read(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let packed = pack(&text, &src);
        std::fs::write(Path::new(&out).join(format!("{name}.packed")), packed)
            .unwrap_or_else(|e| panic!("writing {name}.packed: {e}"));
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn pack(text: &[u8], src: &str) -> Vec<u8> {
    let mut ranks = Vec::new();
    let mut lens = Vec::new();
    let mut bytes = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let mut fields = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let (Some(tok), Some(rank)) = (fields.next(), fields.next()) else {
            continue;
        };
        let tok = base64::engine::general_purpose::STANDARD
            .decode(tok)
            .unwrap_or_else(|e| panic!("{src}:{}: {e}", i + 1));
        let rank: u32 = std::str::from_utf8(rank)
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("{src}:{}: bad rank", i + 1));
        ranks.push(rank);
        let len =
            u16::try_from(tok.len()).unwrap_or_else(|_| panic!("{src}:{}: token too long", i + 1));
        lens.push(len);
        bytes.extend_from_slice(&tok);
    }
    let mut out = Vec::with_capacity(4 + 6 * lens.len() + bytes.len());
    out.extend_from_slice(&(lens.len() as u32).to_le_bytes());
    for r in ranks {
        out.extend_from_slice(&r.to_le_bytes());
    }
    for l in lens {
        out.extend_from_slice(&l.to_le_bytes());
    }
    out.extend_from_slice(&bytes);
    out
}
