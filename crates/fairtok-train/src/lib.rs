//! # fairtok-train
//!
//! Byte-level BPE training on corpora larger than memory: streaming corpus readers, parallel
//! counting of pre-tokens with the encoder's own pre-tokenizer, and a merge loop with incremental
//! pair counts. What it produces is exactly what `fairtok-core` encodes with: ids 0-255 are the
//! single bytes, merge `k` is id `256 + k`, special tokens follow.
//!
//! ```
//! use fairtok_train::{NoProgress, PieceCounts, TrainOptions};
//! let mut counts = PieceCounts::new(fairtok_core::pattern::R50K);
//! counts.add(b" lower", 3);
//! counts.add(b" low", 5);
//! let t = fairtok_train::train(counts, &TrainOptions { vocab_size: 260, ..Default::default() }, &NoProgress)?;
//! assert_eq!(t.tokens[256], b" l");
//! # Ok::<(), fairtok_train::TrainError>(())
//! ```
//!
//! # Algorithm
//!
//! 1. **Read** ([`corpus`]): every input file is streamed (plain, gzip, zstd, JSON lines,
//!    Parquet text columns; directories recursively) and cut into batches of records of about
//!    1 MiB. Counts made elsewhere come in as Parquet counts files ([`parquet_io`]).
//! 2. **Count** ([`mod@count`]): worker threads pre-tokenize each record with
//!    [`fairtok_core::pattern::Regex::tiktoken`], the engine the encoder uses, so a piece seen in
//!    training is a piece the encoder will see. Distinct pieces and their `u64` counts go into a
//!    sharded hash table. Nothing but the table and a few batches is ever in memory.
//! 3. **Merge** ([`merge`]): each distinct piece of two or more bytes becomes a word of byte
//!    symbols in one flat array. Pair counts are computed once; each merge then rewrites only
//!    the words that contain its pair (found through a per-pair list of words) and adjusts the
//!    counts of the neighbouring pairs, and a max-heap with lazy deletion yields the next most
//!    frequent pair. Ties go to the smaller `(left id, right id)`, so the result is
//!    deterministic: same input, byte-identical output, whatever the thread count.
//!
//! # Complexity
//!
//! Counting is linear in the corpus and parallel. Building the words is `O(S)` for `S` bytes of
//! distinct pieces. Merge `k` costs the total length of the words containing its pair plus
//! `O(log H)` per changed pair; it never recounts the corpus or the unaffected words.
//!
//! # Memory bound
//!
//! * Counting: the table of distinct pieces, each stored once in a per-shard byte arena with a
//!   16-byte slot (`piece bytes + ~20` bytes per distinct piece, no allocation per piece),
//!   capped by [`CountOptions::max_pieces`] (default 20 million): past the cap the rarest pieces
//!   are pruned and the pruning is reported. Plus `2 × threads + 2` batches of 1 MiB.
//! * Merging: `4` bytes per byte of distinct pieces plus `12` per piece (the word arena), `4`
//!   bytes per (pair, word) list entry (at most one per byte at the start), about 50 bytes per
//!   live pair (index, count, list header) and 16 per heap entry (the heap is rebuilt when
//!   stale entries outnumber live pairs).
//!
//! So memory depends on the number and length of **distinct** pieces, never on the corpus size.
//! Nothing is allocated in proportion to the vocabulary size asked for: the merge list grows
//! with the merges made. The vocabulary size is at most [`MAX_VOCAB_SIZE`] (ids are `u32`).
//! Measured on the 62.5 MB Korean NSMC corpus with the r50k pattern (985,990 distinct pieces,
//! 16.0 MB of them): 92 MB peak after counting, 287 MB peak for the whole run at vocabulary
//! 32,000 (`BENCHMARKS.md`).
//!
//! # Parity-aware training
//!
//! With [`TrainOptions::parity`] the merge loop follows Foroutan et al. (2025), "Parity-aware
//! Byte Pair Encoding": given a parallel dev set (the same lines in every language, FLORES-200
//! dev for instance), each merge goes to the language whose dev text is currently **longest in
//! tokens** and takes that language's most frequent pair; the merge is then applied to the
//! words of every language. The rule, with its hybrid (first `K` merges global) and
//! moving-window variants, is the small [`parity`] module, independent of the merge data.
//!
//! * Counting is per language ([`CountOptions::per_language`]): a piece found in two languages
//!   is two words, each tagged with its language's **lane** (its index among the languages
//!   with dev text; languages without dev text, such as code, get no lane and are served only
//!   by global merges).
//! * Each pair keeps, besides its total count, its count in every lane, and each lane has its
//!   own lazy max-heap beside the global one. A merge updates the neighbour pairs' lane counts
//!   from the same pass over the affected words (the word's lane says which count moves).
//! * The dev lines are pre-tokenized with the same pattern into dev words ([`DevSet`]), which
//!   are merged along with the training words, so each lane's dev token count is updated
//!   incrementally and is, after every merge, exactly the token count the vocabulary so far
//!   gives the dev lines (each line encoded on its own, as `fairtok parity` measures).
//!
//! Cost over classical training, for `L` lanes: per word the same pass (one more add per
//! neighbour); per changed pair `L` counts and up to `L` more heap pushes (`O(L log H)`); per
//! merge the choice (`O(L)`) and the dev words holding the pair. Memory: `8 L` bytes per live
//! pair slot, `16` per entry of the `L` lane heaps (each rebuilt when its stale entries pile
//! up, like the global heap), `8 L` per token id in the per-merge neighbour tables, the dev
//! words (the dev set's distinct pieces, small), and the words duplicated across languages.
//! The classical path is a separate instantiation of the same loop (`LANES = false`): no lane
//! field is read, no lane count kept.
//!
//! # Counts files
//!
//! [`parquet_io`] writes and reads the mergeable Parquet counts file (`piece` large_binary,
//! `count` int64; language, pattern and pattern hash in the metadata), so a corpus can be
//! counted where it lies and trained on in one place ([`count_all`]).

#![warn(missing_docs)]

pub mod corpus;
pub mod count;
mod error;
pub mod extend;
pub mod inputs;
pub mod merge;
pub mod parity;
pub mod parquet_io;
pub mod pipeline;
pub mod script;
mod shard;

pub use corpus::{expand, Input, RecordKind, Source};
pub use count::{
    count_sources, count_texts, CountOptions, CountStats, LangStats, Normalize, PieceCounts,
};
pub use error::{Result, Setting, TrainError};
pub use extend::{extend_counts, Base, ExtendOptions, Extension, ParityDev, WeightedCounts};
pub use inputs::{read_dev_file, DevText, InputSpec, TextSource};
pub use merge::{Builder, DevSet, MergeOptions, Merges, ParityStats};
pub use parity::{Choice, ParityOptions, Selector, Window};
pub use parquet_io::{read_counts, write_counts, CountsMeta};
pub use pipeline::{
    checked_pattern, count_pretokens, extend_files, train_files, CountJob, ExtendJob,
    ExtendOutcome, InputRead, ParitySpec, Reading, TrainJob, TrainOutcome,
};
pub use script::Script;

/// Receives progress: a stage with its total, then positions. All methods default to nothing.
pub trait Progress: Sync {
    /// A new stage begins (`counting` with total bytes on disk, `merging` with total merges).
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    /// The position within the stage (bytes read, merges done).
    fn set(&self, _pos: u64) {}
    /// The stage is over.
    fn finish(&self) {}
    /// Whether the caller wants the work stopped (Ctrl-C in the Python package). Checked
    /// between batches while counting and every few merges while training or extending; the
    /// work then ends with [`TrainError::Cancelled`] and writes nothing.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The vocabulary size, counted as Hugging Face's trainer counts it: the 256 byte tokens,
    /// the merges and the special tokens.
    pub vocab_size: usize,
    /// Pairs seen fewer times are not merged (training stops early).
    pub min_frequency: u64,
    /// No token longer than this many bytes.
    pub max_token_bytes: Option<usize>,
    /// Special tokens, given ids after the last merge, in this order.
    pub specials: Vec<String>,
    /// Threads for the merge loop (its large merges are split across them).
    pub threads: usize,
    /// Parity-aware training (the counts must then be per language); `None`: classical.
    pub parity: Option<ParityTraining>,
}

/// Parity-aware training: the dev text and the selection rule ([`parity`]).
#[derive(Debug, Clone, Default)]
pub struct ParityTraining {
    /// The selection rule.
    pub options: ParityOptions,
    /// The parallel dev text: per language tag, its lines (without line ends), aligned across
    /// languages. Every language of the training counts must be here or in `excluded`.
    pub dev: Vec<(String, Vec<String>)>,
    /// Language tags of the training counts that have no dev text (code, say): never chosen,
    /// so only global merges (hybrid steps, or once no language has a pair left) are theirs;
    /// their words are merged like all others.
    pub excluded: Vec<String>,
}

/// What parity-aware training did, per language with dev text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParityReport {
    /// The languages with dev text, in the order of `ParityTraining::dev`.
    pub languages: Vec<String>,
    /// What the merge loop did for each (same order).
    pub stats: ParityStats,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            vocab_size: 32_000,
            min_frequency: 0,
            max_token_bytes: None,
            specials: vec![],
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            parity: None,
        }
    }
}

/// The largest vocabulary size (and base + added tokens of an extension) accepted: 2^31
/// tokens. Ids are `u32`, and `tokenizer.json` and `.tiktoken` readers of other libraries take
/// ids as signed 32-bit integers in places. Real vocabularies stay below 2^21.
pub const MAX_VOCAB_SIZE: usize = 1 << 31;

impl TrainOptions {
    /// Checks the options; returns the number of merges wanted.
    pub fn merges_wanted(&self) -> Result<usize> {
        let floor = 256 + self.specials.len();
        if self.vocab_size > MAX_VOCAB_SIZE {
            return Err(TrainError::invalid(
                Setting::VocabSize,
                format!(
                    "{} is above the largest vocabulary size, {MAX_VOCAB_SIZE} (2^31)",
                    self.vocab_size
                ),
            ));
        }
        if self.vocab_size < floor {
            return Err(TrainError::invalid(
                Setting::VocabSize,
                format!(
                    "{} is below 256 byte tokens + {} special tokens = {floor}",
                    self.vocab_size,
                    self.specials.len()
                ),
            ));
        }
        for (i, s) in self.specials.iter().enumerate() {
            if s.is_empty() {
                return Err(TrainError::invalid(
                    Setting::Specials,
                    "empty special token",
                ));
            }
            if s.len() == 1 {
                return Err(TrainError::invalid(
                    Setting::Specials,
                    format!("{s:?} is one byte, which is always an ordinary token"),
                ));
            }
            if self.specials[..i].contains(s) {
                return Err(TrainError::invalid(
                    Setting::Specials,
                    format!("{s:?} is given twice"),
                ));
            }
        }
        if self.max_token_bytes == Some(0) {
            return Err(TrainError::invalid(
                Setting::MaxTokenBytes,
                "must be at least 1",
            ));
        }
        Ok(self.vocab_size - floor)
    }
}

/// A trained vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trained {
    /// The pre-tokenizer pattern (tiktoken's dialect).
    pub pattern: String,
    /// Bytes of every ordinary token by id: 0-255 single bytes, then one per merge.
    pub tokens: Vec<Vec<u8>>,
    /// The merges in order: merge `k` makes token `256 + k`.
    pub merges: Vec<(u32, u32)>,
    /// The pair count of each merge.
    pub merge_counts: Vec<u64>,
    /// The special tokens and their ids (after the ordinary tokens).
    pub specials: Vec<(String, u32)>,
    /// Parity-aware training: dev tokens and merges per language.
    pub parity: Option<ParityReport>,
}

impl Trained {
    /// The vocabulary size: ordinary tokens plus special tokens.
    pub fn vocab_size(&self) -> usize {
        self.tokens.len() + self.specials.len()
    }

    /// `(bytes, rank)` of the ordinary tokens, as a `.tiktoken` file lists them.
    pub fn ranks(&self) -> Vec<(Vec<u8>, u32)> {
        self.tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect()
    }

    /// A tokenizer that encodes with this vocabulary, tiktoken's rule.
    pub fn tokenizer(&self, name: &str) -> Result<fairtok_core::Tokenizer> {
        Ok(fairtok_core::Tokenizer::from_ranks(
            name,
            "trained",
            self.ranks(),
            &self.pattern,
            self.specials.clone(),
        )?)
    }
}

/// Trains on counted pieces: classical BPE, or parity-aware with `opts.parity` (then the
/// counts must be per language, see [`CountOptions::per_language`]).
pub fn train(counts: PieceCounts, opts: &TrainOptions, progress: &dyn Progress) -> Result<Trained> {
    let merges = opts.merges_wanted()?;
    if counts.is_empty() {
        return Err(crate::count::no_pieces(&counts.stats));
    }
    let pattern = counts.pattern.clone();
    let (n, bytes) = counts
        .iter()
        .filter(|(p, _)| p.len() >= 2)
        .fold((0, 0), |(n, b), (p, _)| (n + 1, b + p.len()));
    let mopts = MergeOptions {
        merges,
        min_frequency: opts.min_frequency,
        max_token_bytes: opts.max_token_bytes,
        forbidden: opts
            .specials
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
        threads: opts.threads,
    };
    let (m, parity) = match &opts.parity {
        None => {
            let mut b = Builder::with_capacity(n, bytes);
            counts.drain(|p, c| b.add(p, c));
            (b.train(&mopts, progress)?, None)
        }
        Some(pt) => {
            let lanes = parity_lanes(&counts, pt)?;
            let dev = dev_set(&pattern, pt)?;
            let mut b = Builder::with_lanes(pt.dev.len(), n, bytes)?;
            counts.drain_languages(|p, l, c| b.add_in(p, lanes[l], c));
            let selector = Selector::new(pt.dev.len(), pt.options);
            let (m, stats) = b.train_parity(&mopts, dev, selector, progress)?;
            let languages = pt.dev.iter().map(|(l, _)| l.clone()).collect();
            (m, Some(ParityReport { languages, stats }))
        }
    };
    let next = m.tokens.len() as u32;
    let specials = opts
        .specials
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), next + i as u32))
        .collect();
    Ok(Trained {
        pattern,
        tokens: m.tokens,
        merges: m.merges,
        merge_counts: m.counts,
        specials,
        parity,
    })
}

/// The lane (index into `pt.dev`) of each language of the counts; `None` for excluded ones.
fn parity_lanes(counts: &PieceCounts, pt: &ParityTraining) -> Result<Vec<Option<usize>>> {
    if !counts.is_per_language() {
        return Err(TrainError::Usage(
            "parity-aware training needs per-language counts (CountOptions::per_language)".into(),
        ));
    }
    let langs = &counts.stats.languages;
    for (i, (l, _)) in pt.dev.iter().enumerate() {
        if pt.dev[..i].iter().any(|(x, _)| x == l) {
            return Err(TrainError::Usage(format!(
                "dev text for {l} is given twice"
            )));
        }
        if !langs.iter().any(|x| &x.lang == l) {
            return Err(TrainError::Usage(format!(
                "dev text for {l}, but no training input of that language"
            )));
        }
        if pt.excluded.contains(l) {
            return Err(TrainError::Usage(format!(
                "{l} has dev text and is excluded from parity selection"
            )));
        }
    }
    if pt.dev.is_empty() {
        return Err(TrainError::Usage(
            "parity-aware training needs dev text of at least one language".into(),
        ));
    }
    let n = pt.dev[0].1.len();
    if let Some((l, d)) = pt.dev.iter().find(|(_, d)| d.len() != n) {
        return Err(TrainError::Usage(format!(
            "the dev texts are not aligned: {} has {n} lines, {l} has {}",
            pt.dev[0].0,
            d.len()
        )));
    }
    langs
        .iter()
        .map(|x| match pt.dev.iter().position(|(l, _)| *l == x.lang) {
            Some(i) => Ok(Some(i)),
            None if pt.excluded.contains(&x.lang) => Ok(None),
            None => Err(TrainError::Usage(format!(
                "no dev text for the training language {}: give it, or exclude {} from parity selection",
                x.lang, x.lang
            ))),
        })
        .collect()
}

/// The dev lines of every language, pre-tokenized with `pattern` (each line on its own).
fn dev_set(pattern: &str, pt: &ParityTraining) -> Result<DevSet> {
    let re = fairtok_core::pattern::Regex::tiktoken(pattern)?;
    let mut dev = DevSet::new(pt.dev.len());
    for (lane, (lang, lines)) in pt.dev.iter().enumerate() {
        let mut local: rustc_hash::FxHashMap<&[u8], u64> = Default::default();
        for (i, line) in lines.iter().enumerate() {
            re.for_each_match(line, |s, e| {
                *local.entry(&line.as_bytes()[s..e]).or_insert(0) += 1;
            })
            .map_err(|e| TrainError::Usage(format!("dev text of {lang}, line {}: {e}", i + 1)))?;
        }
        // A fixed order, so the dev words (and their lists) are the same on every run.
        let mut pieces: Vec<_> = local.into_iter().collect();
        pieces.sort_unstable();
        for (p, c) in pieces {
            dev.add(lane, p, c);
        }
    }
    Ok(dev)
}

/// The file formats a trained vocabulary can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// A Hugging Face `tokenizer.json`.
    Hf,
    /// A `.tiktoken` rank file and its `.json` sidecar (pattern and special tokens).
    Tiktoken,
    /// A SentencePiece `.model` file (the extension of a SentencePiece base only).
    SentencePiece,
}

impl OutputFormat {
    /// The file an output directory gets in this format.
    pub fn file_name(self) -> &'static str {
        match self {
            OutputFormat::Hf => "tokenizer.json",
            OutputFormat::Tiktoken => "vocab.tiktoken",
            OutputFormat::SentencePiece => "tokenizer.model",
        }
    }
}

impl Trained {
    /// The vocabulary as the writers of `fairtok-core` take it.
    pub fn vocab<'a>(&'a self, name: &'a str) -> fairtok_core::write::Vocab<'a> {
        fairtok_core::write::Vocab {
            name,
            tokens: &self.tokens,
            merges: &self.merges,
            specials: &self.specials,
            pattern: &self.pattern,
        }
    }

    /// Writes the vocabulary to `path` (atomically) in `format`, named `name`. Returns the
    /// files written. A byte-level vocabulary has no SentencePiece form.
    pub fn write(
        &self,
        path: &std::path::Path,
        format: OutputFormat,
        name: &str,
    ) -> Result<Vec<std::path::PathBuf>> {
        let v = self.vocab(name);
        Ok(match format {
            OutputFormat::Hf => {
                fairtok_core::write::write_tokenizer_json(path, &v)?;
                vec![path.to_owned()]
            }
            OutputFormat::Tiktoken => {
                fairtok_core::write::write_tiktoken(path, &v)?;
                vec![path.to_owned(), fairtok_core::write::sidecar_path(path)]
            }
            OutputFormat::SentencePiece => return Err(not_sentencepiece()),
        })
    }
}

/// Counts `inputs` and adds the counts files `counts_files` (which must have been made with
/// `count_opts.pattern`): all the pieces a training run will see.
pub fn count_all(
    inputs: &[Input],
    counts_files: &[std::path::PathBuf],
    count_opts: &CountOptions,
    progress: &dyn Progress,
) -> Result<PieceCounts> {
    let mut counts = if inputs.is_empty() {
        fairtok_core::pattern::Regex::tiktoken(&count_opts.pattern)?;
        if count_opts.per_language {
            PieceCounts::new_per_language(&count_opts.pattern, &[])?
        } else {
            PieceCounts::new(&count_opts.pattern)
        }
    } else {
        let (langs, sources) = expand(inputs)?;
        count_sources(&langs, &sources, count_opts, progress)?
    };
    for f in counts_files {
        let meta = if counts.is_per_language() {
            // A counts file is pooled: it goes to its one language.
            let mut one = PieceCounts::new(&counts.pattern);
            let meta = read_counts(f, &mut one)?;
            if meta.language.contains(',') {
                return Err(TrainError::Usage(format!(
                    "{}: the counts of {} are pooled in this file; per-language training needs one counts file per language",
                    f.display(),
                    meta.language
                )));
            }
            let mut tagged = PieceCounts::new_per_language(
                &counts.pattern,
                std::slice::from_ref(&meta.language),
            )?;
            one.drain(|p, c| tagged.add_in(p, 0, c));
            counts.merge(tagged);
            meta
        } else {
            read_counts(f, &mut counts)?
        };
        if !counts
            .stats
            .languages
            .iter()
            .any(|l| l.lang == meta.language)
        {
            counts.stats.languages.push(LangStats {
                lang: meta.language,
                ..Default::default()
            });
        }
    }
    Ok(counts)
}

/// The encoding's name for an output file: its name without extensions, or `fairtok` for
/// `tokenizer.json` (the names `fairtok train` and `fairtok extend` give).
pub fn encoding_name(path: &std::path::Path) -> String {
    let n = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = n.split('.').next().unwrap_or("");
    if stem.is_empty() || stem == "tokenizer" {
        "fairtok".into()
    } else {
        stem.to_owned()
    }
}

/// Where an output in `format` goes: `path`, or the format's [`OutputFormat::file_name`] in
/// it if `path` is a directory; checked with [`check_writable`] (and, for a `.tiktoken`, its
/// sidecar too) before the work starts.
pub fn output_file(path: &std::path::Path, format: OutputFormat) -> Result<std::path::PathBuf> {
    let out = if path.is_dir() {
        path.join(format.file_name())
    } else {
        path.to_owned()
    };
    check_writable(&out)?;
    if format == OutputFormat::Tiktoken {
        if out.as_os_str() == "-" {
            return Err(TrainError::invalid(
                Setting::Output,
                "the .tiktoken format is two files (ranks and sidecar); standard output (-) takes one: write a tokenizer.json, or name a file",
            ));
        }
        check_writable(&fairtok_core::write::sidecar_path(&out))?;
    }
    Ok(out)
}

/// The error for a trained byte-level vocabulary asked for as a SentencePiece `.model`.
pub(crate) fn not_sentencepiece() -> TrainError {
    TrainError::invalid(
        Setting::Format,
        "a trained byte-level BPE has no SentencePiece .model form (that format is for extending a SentencePiece base)",
    )
}

/// Checks that `path` can be written before hours of work go into it: it can be an output
/// (not a directory, FIFO or device; `-` is standard output, see [`fairtok_core::output`]) and
/// its directory accepts a new file. Nothing is left behind.
pub fn check_writable(path: &std::path::Path) -> Result<()> {
    fairtok_core::output::Destination::check(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_sizes_past_the_maximum_are_refused() {
        for vocab_size in [usize::MAX, 4_000_000_000, MAX_VOCAB_SIZE + 1] {
            let opts = TrainOptions {
                vocab_size,
                ..Default::default()
            };
            let e = opts.merges_wanted().unwrap_err();
            assert!(
                matches!(
                    e,
                    TrainError::InvalidOption {
                        option: Setting::VocabSize,
                        ..
                    }
                ),
                "{e}"
            );
        }
        let opts = TrainOptions {
            vocab_size: MAX_VOCAB_SIZE,
            ..Default::default()
        };
        assert_eq!(opts.merges_wanted().unwrap(), MAX_VOCAB_SIZE - 256);
    }
}
