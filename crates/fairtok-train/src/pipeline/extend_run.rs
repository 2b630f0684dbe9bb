//! [`extend_files`]: a whole vocabulary extension, from the base's name and the inputs to the
//! file written (see the parent module).

use std::path::{Path, PathBuf};

use super::{output_and_name, ParitySpec, Reading};
use crate::error::{Result, Setting, TrainError};
use crate::inputs::{languages, InputSpec, TextSource};
use crate::{
    count_sources, count_texts, expand, extend_counts, Base, CountStats, ExtendOptions, Extension,
    LangStats, OutputFormat, ParityDev, PieceCounts, Progress, Script, WeightedCounts,
};

/// An extension run: the base, what to learn from, what to add, where to write it.
#[derive(Debug, Clone)]
pub struct ExtendJob {
    /// The base: a built-in name, a model name, a `.tiktoken` file or a byte-level BPE
    /// `tokenizer.json`.
    pub base: String,
    /// The input languages with their weights, files or texts, in order.
    pub inputs: Vec<InputSpec>,
    /// How many tokens to add.
    pub add: usize,
    /// The script every new token must contain (default: the script subtag of the input
    /// languages, which must agree).
    pub script: Option<String>,
    /// Parity-aware selection: each merge goes to the input language with the highest dev
    /// premium against the pivot (default pivot `eng_Latn`).
    pub parity: Option<ParitySpec>,
    /// Also consider whole pieces as new tokens ([`ExtendOptions::whole_pieces`]).
    pub whole_pieces: bool,
    /// With `whole_pieces`: [`ExtendOptions::piece_bias`] (default 1).
    pub piece_bias: Option<f64>,
    /// Pairs seen fewer times than this (after weighting) are not merged.
    pub min_frequency: u64,
    /// No new token longer than this many bytes.
    pub max_token_bytes: Option<usize>,
    /// How inputs are read.
    pub reading: Reading,
    /// Where to write the extended vocabulary; `None`: not written.
    pub output: Option<PathBuf>,
    /// The output format (default: the base's: `.tiktoken` for tiktoken-rule bases).
    pub format: Option<OutputFormat>,
    /// The encoding's name. Default: [`crate::encoding_name`] of the output, or `fairtok`.
    pub name: Option<String>,
}

impl ExtendJob {
    /// A job with the defaults of `fairtok extend`: no input yet, no output.
    pub fn new(base: &str, add: usize) -> ExtendJob {
        ExtendJob {
            base: base.to_owned(),
            inputs: vec![],
            add,
            script: None,
            parity: None,
            whole_pieces: false,
            piece_bias: None,
            min_frequency: 2,
            max_token_bytes: None,
            reading: Reading::default(),
            output: None,
            format: None,
            name: None,
        }
    }
}

/// What was read of one input.
#[derive(Debug, Clone)]
pub struct InputRead {
    /// The input's weight.
    pub weight: f64,
    /// Its language, bytes, records and pre-tokens.
    pub stats: LangStats,
}

/// What an extension run made and saw.
#[derive(Debug)]
pub struct ExtendOutcome {
    /// The base, loaded.
    pub base: Base,
    /// The added tokens.
    pub extension: Extension,
    /// The input languages in order of first appearance (the indices of
    /// [`Extension::chosen_by`] and [`Extension::dev_premium`]).
    pub languages: Vec<String>,
    /// What was read of each input, in the order given.
    pub inputs: Vec<InputRead>,
    /// Skipped lines and pruning over all inputs (its `languages` is empty: see `inputs`).
    pub stats: CountStats,
    /// The files written (none without an output).
    pub files: Vec<PathBuf>,
    /// The encoding's name.
    pub name: String,
    /// The output format (that of the files, or the one they would have had).
    pub format: OutputFormat,
    /// The script of the new tokens.
    pub script: Script,
}

impl ExtendOutcome {
    /// A tokenizer that encodes with the extended vocabulary (the base's rule).
    pub fn tokenizer(&self) -> Result<fairtok_core::Tokenizer> {
        self.extension.tokenizer(&self.base, &self.name)
    }
}

/// The script of the new tokens: the one asked, or the script subtag that every input
/// language shares.
fn script_of(job: &ExtendJob) -> Result<Script> {
    if let Some(s) = &job.script {
        return Script::named(s);
    }
    if job.inputs.iter().any(|i| i.lang == "und") {
        return Err(TrainError::invalid(
            Setting::Inputs,
            "an input without a language tag (und): give LANG[@WEIGHT]=PATH, whose tag names the script of the new tokens, or give the script",
        ));
    }
    let first = Script::of_lang(&job.inputs[0].lang)?;
    for i in &job.inputs[1..] {
        if Script::of_lang(&i.lang)? != first {
            return Err(TrainError::invalid(
                Setting::Script,
                format!(
                    "inputs {} and {} are in different scripts; give the script",
                    job.inputs[0].lang, i.lang
                ),
            ));
        }
    }
    Ok(first)
}

/// Loads the base; a spec that is no built-in or model name is a path, and a missing one an
/// I/O error (not an unknown name).
fn load_base(spec: &str) -> Result<Base> {
    let is_name = fairtok_core::builtin::find(spec).is_some()
        || fairtok_core::builtin::encoding_name_for_model(spec).is_some();
    if !is_name && !Path::new(spec).exists() {
        return Err(TrainError::io(
            spec,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file (and not a built-in name)",
            ),
        ));
    }
    Base::load(spec)
}

/// The dev set of parity-aware selection: the pivot's tokens under the base and the lines of
/// every input language.
fn parity_dev(
    spec: &ParitySpec,
    base: &Base,
    script: &Script,
    langs: &[String],
) -> Result<ParityDev> {
    if !spec.exclude.is_empty() {
        return Err(TrainError::invalid(
            Setting::ParityExclude,
            "applies to training; an extension needs dev text for every input language",
        ));
    }
    let pivot = spec.pivot.as_deref().unwrap_or("eng_Latn");
    spec.dev.check()?;
    let pivot_lines = spec.dev.lines_of(pivot, " (the pivot)")?;
    let lines = spec.dev_lines(langs, "")?;
    let pivot_tokens = ParityDev::count_pivot(base, script, pivot, &pivot_lines)?;
    Ok(ParityDev {
        pivot_tokens,
        selection: spec.selection(lines.len())?,
        lines,
    })
}

/// The options of the run, checked.
fn extend_options(job: &ExtendJob, script: Script) -> Result<ExtendOptions> {
    if job.add == 0 {
        return Err(TrainError::invalid(Setting::Add, "must be at least 1"));
    }
    if job.add > crate::MAX_VOCAB_SIZE {
        return Err(TrainError::invalid(
            Setting::Add,
            format!(
                "{} is above the largest vocabulary size, {} (2^31)",
                job.add,
                crate::MAX_VOCAB_SIZE
            ),
        ));
    }
    let piece_bias = match job.piece_bias {
        Some(_) if !job.whole_pieces => {
            return Err(TrainError::invalid(
                Setting::PieceBias,
                "applies with whole-piece tokens",
            ))
        }
        Some(b) if !(b.is_finite() && b > 0.0) => {
            return Err(TrainError::invalid(
                Setting::PieceBias,
                format!("must be a positive number, not {b}"),
            ))
        }
        Some(b) => b,
        None => 1.0,
    };
    if job.max_token_bytes == Some(0) {
        return Err(TrainError::invalid(
            Setting::MaxTokenBytes,
            "must be at least 1",
        ));
    }
    Ok(ExtendOptions {
        add: job.add,
        min_frequency: job.min_frequency,
        max_token_bytes: job.max_token_bytes,
        script,
        whole_pieces: job.whole_pieces,
        piece_bias,
    })
}

/// Counts each input on its own (its weight applies to its counts alone).
fn count_each(
    job: &ExtendJob,
    base: &Base,
    progress: &dyn Progress,
) -> Result<(Vec<WeightedCounts>, Vec<InputRead>, CountStats)> {
    let pattern = &base.pattern;
    let mut count_opts = job.reading.count_options(pattern.to_owned(), false)?;
    count_opts.normalize = base.normalizer();
    let mut weighted = vec![];
    let mut read = vec![];
    let mut total = CountStats::default();
    for i in &job.inputs {
        let counts = match &i.source {
            TextSource::Files(paths) => {
                let input = crate::Input {
                    lang: i.lang.clone(),
                    paths: paths.clone(),
                };
                let (langs, sources) = expand(std::slice::from_ref(&input))?;
                count_sources(&langs, &sources, &count_opts, progress)?
            }
            TextSource::Texts(texts) => {
                let mut counts = PieceCounts::new(pattern);
                match &count_opts.normalize {
                    Some(n) => {
                        let normalized: Vec<String> = texts.iter().map(|t| (n.0)(t)).collect();
                        count_texts(&mut counts, &i.lang, &normalized, count_opts.threads)?;
                        // What was read is the texts, not their normalized form.
                        let read = counts.stats.languages.last_mut().expect("counted");
                        read.bytes = texts.iter().map(|t| t.len() as u64).sum();
                    }
                    None => count_texts(&mut counts, &i.lang, texts, count_opts.threads)?,
                }
                counts
            }
        };
        let s = &counts.stats;
        total.skipped_utf8 += s.skipped_utf8;
        if total.first_skipped.is_none() {
            total.first_skipped.clone_from(&s.first_skipped);
        }
        total.pruned_pieces += s.pruned_pieces;
        total.pruned_occurrences += s.pruned_occurrences;
        total.prune_threshold = total.prune_threshold.max(s.prune_threshold);
        read.push(InputRead {
            weight: i.weight,
            stats: s.languages.first().cloned().unwrap_or_else(|| LangStats {
                lang: i.lang.clone(),
                ..Default::default()
            }),
        });
        weighted.push(WeightedCounts {
            lang: i.lang.clone(),
            weight: i.weight,
            counts,
        });
    }
    Ok((weighted, read, total))
}

/// Extends as `job` says: checks every option, loads the base, reads the dev text, counts each
/// input, learns the new tokens (on `threads` threads) and writes the output, if any,
/// atomically. Every base id keeps its bytes; text without the script encodes as under the
/// base.
pub fn extend_files(job: &ExtendJob, progress: &dyn Progress) -> Result<ExtendOutcome> {
    if job.inputs.is_empty() {
        return Err(TrainError::invalid(
            Setting::Inputs,
            "nothing to learn from: give inputs (files or texts)",
        ));
    }
    let threads = job.reading.threads()?;
    let opts = extend_options(job, script_of(job)?)?;
    let base = load_base(&job.base)?;
    crate::extend::check_options(&base, &opts)?;
    let format = job.format.unwrap_or_else(|| base.default_format());
    base.check_format(format)?;
    let (out, name) = output_and_name(&job.output, format, &job.name)?;
    let langs = languages(&job.inputs);
    let parity = match &job.parity {
        Some(spec) => Some(parity_dev(spec, &base, &opts.script, &langs)?),
        None => None,
    };
    let (weighted, inputs, stats) = count_each(job, &base, progress)?;
    // The merge loop runs on the pool it is installed in; where the system refuses the
    // threads, on the calling thread alone.
    let run = || extend_counts(&base, weighted, parity.as_ref(), &opts, progress);
    let extension = fairtok_core::task::on_pool(threads, run)?;
    let files = match &out {
        Some(out) => extension.write(&base, out, format, &name)?,
        None => vec![],
    };
    Ok(ExtendOutcome {
        base,
        extension,
        languages: langs,
        inputs,
        stats,
        files,
        name,
        format,
        script: opts.script,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additions_past_the_maximum_vocabulary_are_refused() {
        let hangul = || Script::named("Hang").unwrap();
        for add in [usize::MAX, crate::MAX_VOCAB_SIZE + 1] {
            let e = extend_options(&ExtendJob::new("o200k_base", add), hangul()).unwrap_err();
            assert!(
                matches!(
                    e,
                    TrainError::InvalidOption {
                        option: Setting::Add,
                        ..
                    }
                ),
                "{e}"
            );
        }
        extend_options(&ExtendJob::new("o200k_base", 1000), hangul()).unwrap();
    }
}
