//! # fairtok-core
//!
//! Exact byte-pair-encoding tokenizers: load the vocabularies people pay for (the tiktoken
//! built-ins, `.tiktoken` rank files, Hugging Face `tokenizer.json`), encode token-for-token like
//! their reference library, and decode ids back to the exact bytes.
//!
//! ```
//! use fairtok_core::Tokenizer;
//! let tok = Tokenizer::builtin("o200k_base")?;
//! let ids = tok.encode("안녕하세요, world!")?;
//! assert_eq!(tok.decode_bytes(&ids)?, "안녕하세요, world!".as_bytes());
//! # Ok::<(), fairtok_core::Error>(())
//! ```
//!
//! ## Layout
//!
//! * [`pattern`]: pre-tokenizer patterns and the regex engine of each reference library.
//! * `bpe` (private): the merge loop, `O(n log n)` per piece, shared by all formats.
//! * [`tiktoken`]: `.tiktoken` rank files and tiktoken's encoding rule.
//! * [`hf`]: `tokenizer.json` and Hugging Face tokenizers' pipeline.
//! * [`gguf`]: the tokenizer of a llama.cpp `.gguf` file (metadata only, never the tensors);
//!   [`llama_cpp`]: its `gpt2`, `bert` and `t5` vocabularies with llama.cpp's rules (the `llama`
//!   ones go through [`spm`]).
//! * [`tekken`]: Mistral's `tekken.json`, on the tiktoken engine with shifted ids.
//! * [`spm`]: SentencePiece `.model` files (BPE and Unigram) and the SentencePiece library's
//!   rules; `unigram` (private): the Viterbi segmentation shared with `tokenizer.json` Unigram
//!   models; `charsmap` (private): the precompiled normalization rules both read.
//! * [`builtin`]: the bundled encodings and tiktoken's model-name aliases.
//! * [`Tokenizer`]: one type over all of them.
//! * [`chat`]: the token count of a chat conversation in a model's chat format (gpt-oss's
//!   harmony, Llama 3, Qwen3, and OpenAI's estimate for its API models).
//! * [`write`](mod@write): vocabularies as `.tiktoken` and `tokenizer.json` files; [`output`]: how every
//!   output is written (atomically, through links, never over a device; `-` for stdout).

#![warn(missing_docs)]

mod backtrack;
mod bpe;
pub mod builtin;
mod charsmap;
pub mod chat;
mod error;
pub mod gguf;
pub mod hf;
pub mod llama_cpp;
pub mod output;
pub mod pattern;
mod piece_cache;
mod rank_table;
mod split;
pub mod spm;
mod syllables;
pub mod task;
pub mod tekken;
#[cfg(test)]
mod test_vocab;
pub mod tiktoken;
mod tokenizer;
mod unigram;
pub mod write;

pub use error::{bounded, quoted, Error, Result, Setting};

/// The number of threads to use when `asked` are asked for: at least 1 and at most the
/// machine's available parallelism (`std::thread::available_parallelism`). More threads than
/// cores never help encoding, counting or training (their work is CPU-bound) and cost a stack
/// and a share of the work each: 3000 threads on 148 KB took 11.7 s. Pass `usize::MAX` for
/// "one per core". The command line's encoding and counting and `fairtok_train`'s `Reading`
/// (training, extension, counting jobs) go through this cap.
pub fn threads_cap(asked: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    asked.clamp(1, cores.max(1))
}

pub use tokenizer::{EncodeOptions, Format, LoadOptions, Specials, Tokenizer, STREAM_SPAN};

#[cfg(test)]
mod threads_tests {
    #[test]
    fn threads_are_capped_at_the_cores() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(super::threads_cap(3000), cores);
        assert_eq!(super::threads_cap(usize::MAX), cores);
        assert_eq!(super::threads_cap(0), 1);
        assert_eq!(super::threads_cap(1), 1);
    }
}
