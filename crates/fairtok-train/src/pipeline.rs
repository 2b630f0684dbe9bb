//! Whole runs, as the front ends offer them: train a vocabulary on inputs ([`train_files`]) and
//! extend an existing one ([`extend_files`]).
//!
//! A front end (the command line, the Python package, the service) maps its arguments to a
//! [`TrainJob`] or an [`ExtendJob`], makes one call, and presents the outcome. Everything
//! between is here, once: checking the options (cheap checks first, then the files: nothing is
//! read or trained when an option is wrong, and an output that cannot be written is refused
//! before the work starts), reading the dev text of parity-aware selection, counting files and
//! in-memory texts, training or extending, and writing the result atomically.
//!
//! Errors that concern one option are [`TrainError::InvalidOption`] with a typed
//! [`Setting`], so each front end names the option in its own words
//! ([`TrainError::message_with`]).

use std::path::PathBuf;

use crate::error::{Result, Setting, TrainError};
use crate::inputs::{languages, DevText, InputSpec, TextSource};
use crate::parity::{ParityOptions, Window};
use crate::{
    count_all, count_texts, CountOptions, CountStats, OutputFormat, ParityReport, ParityTraining,
    PieceCounts, Progress, TrainOptions, Trained,
};

mod extend_run;
pub use extend_run::{extend_files, ExtendJob, ExtendOutcome, InputRead};

/// How inputs are read and counted (training and extension alike).
#[derive(Debug, Clone)]
pub struct Reading {
    /// Worker threads; `None`: one per core.
    pub threads: Option<usize>,
    /// The cap on distinct pre-tokens kept while counting files ([`CountOptions::max_pieces`]).
    pub max_pieces: usize,
    /// The text field of JSON lines (the text column of Parquet).
    pub text_field: String,
    /// A line that is not UTF-8 is an error (else it is skipped and counted).
    pub strict: bool,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            threads: None,
            max_pieces: CountOptions::default().max_pieces,
            text_field: "text".into(),
            strict: false,
        }
    }
}

impl Reading {
    /// The number of threads: the one asked, or one per core, capped at the cores by
    /// [`fairtok_core::threads_cap`] (more never help).
    pub fn threads(&self) -> Result<usize> {
        match self.threads {
            Some(0) => Err(TrainError::invalid(Setting::Threads, "must be at least 1")),
            Some(n) => Ok(fairtok_core::threads_cap(n)),
            None => Ok(fairtok_core::threads_cap(usize::MAX)),
        }
    }

    /// The counting options for pieces cut with `pattern`.
    pub fn count_options(&self, pattern: String, per_language: bool) -> Result<CountOptions> {
        if self.max_pieces == 0 {
            return Err(TrainError::invalid(
                Setting::MaxPieces,
                "must be at least 1",
            ));
        }
        Ok(CountOptions {
            pattern,
            threads: self.threads()?,
            max_pieces: self.max_pieces,
            strict: self.strict,
            text_field: self.text_field.clone(),
            per_language,
            normalize: None,
        })
    }
}

/// Parity-aware selection (Foroutan et al. 2025, [`crate::parity`]) as a run asks for it: the
/// dev text, the pivot and the variant of the rule.
#[derive(Debug, Clone)]
pub struct ParitySpec {
    /// The parallel dev text, for every input language (but the excluded ones).
    pub dev: DevText,
    /// The language premiums are measured against. Training: only reported (default
    /// `eng_Latn` if it has dev text, else the first language); extension: its dev text must
    /// be given too, and must not hold the extension's script (default `eng_Latn`).
    pub pivot: Option<String>,
    /// Hybrid selection: the first `K` merges by global frequency.
    pub hybrid: Option<usize>,
    /// A moving window of `W` parity-aware merges in which one language takes at most
    /// `window_max` (default: twice an even share, [`Window::with_share`]).
    pub window: Option<usize>,
    /// The cap of `window`.
    pub window_max: Option<usize>,
    /// Input languages without dev text (code, say): never chosen (training only).
    pub exclude: Vec<String>,
}

impl ParitySpec {
    /// Parity-aware selection from the first merge, with `dev` and nothing else set.
    pub fn new(dev: DevText) -> ParitySpec {
        ParitySpec {
            dev,
            pivot: None,
            hybrid: None,
            window: None,
            window_max: None,
            exclude: vec![],
        }
    }

    /// The selection rule for `languages` languages with dev text.
    pub fn selection(&self, languages: usize) -> Result<ParityOptions> {
        let mut options = ParityOptions::hybrid(self.hybrid.unwrap_or(0));
        match (self.window, self.window_max) {
            (None, Some(_)) => {
                return Err(TrainError::invalid(
                    Setting::ParityWindowMax,
                    "applies with a parity window",
                ))
            }
            (Some(0), _) => {
                return Err(TrainError::invalid(
                    Setting::ParityWindow,
                    "must be at least 1",
                ))
            }
            (Some(_), Some(0)) => {
                return Err(TrainError::invalid(
                    Setting::ParityWindowMax,
                    "must be at least 1",
                ))
            }
            (Some(size), Some(m)) => {
                options = options.window(Window {
                    size,
                    max_per_language: m.min(size),
                })
            }
            (Some(size), None) => {
                options = options.window(Window::with_share(size, languages, 2.0))
            }
            (None, None) => {}
        }
        Ok(options)
    }

    /// The dev lines of every one of `langs` (in that order) that is not excluded (the
    /// caller has run [`DevText::check`]).
    fn dev_lines(&self, langs: &[String], unless: &str) -> Result<Vec<(String, Vec<String>)>> {
        langs
            .iter()
            .filter(|l| !self.exclude.contains(l))
            .map(|l| Ok((l.clone(), self.dev.lines_of(l, unless)?)))
            .collect()
    }
}

/// A training run: what to read, what to train, where to write it.
#[derive(Debug, Clone)]
pub struct TrainJob {
    /// The input languages, files or texts (weight 1 each).
    pub inputs: Vec<InputSpec>,
    /// Counts files (Parquet, from counting elsewhere) added to the counts of the inputs.
    pub counts: Vec<PathBuf>,
    /// The pre-tokenizer: a pattern name (`o200k`, ...) or a regex in tiktoken's dialect.
    /// Default: the first counts file's, else o200k.
    pub pattern: Option<String>,
    /// The vocabulary size, counted as Hugging Face's trainer does: 256 byte tokens + merges +
    /// special tokens.
    pub vocab_size: usize,
    /// Pairs seen fewer times are not merged.
    pub min_frequency: u64,
    /// No token longer than this many bytes.
    pub max_token_bytes: Option<usize>,
    /// Special tokens, given the ids after the last merge.
    pub specials: Vec<String>,
    /// Parity-aware training, if asked.
    pub parity: Option<ParitySpec>,
    /// How inputs are read.
    pub reading: Reading,
    /// Where to write the vocabulary (a directory gets [`OutputFormat::file_name`] inside);
    /// `None`: not written.
    pub output: Option<PathBuf>,
    /// The output format.
    pub format: OutputFormat,
    /// The encoding's name. Default: [`crate::encoding_name`] of the output, or `fairtok`.
    pub name: Option<String>,
}

impl TrainJob {
    /// A job with the defaults of `fairtok train`: no input yet, o200k, no output.
    pub fn new(vocab_size: usize) -> TrainJob {
        TrainJob {
            inputs: vec![],
            counts: vec![],
            pattern: None,
            vocab_size,
            min_frequency: 0,
            max_token_bytes: None,
            specials: vec![],
            parity: None,
            reading: Reading::default(),
            output: None,
            format: OutputFormat::Hf,
            name: None,
        }
    }
}

/// What a training run made and saw.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The vocabulary.
    pub trained: Trained,
    /// What counting read (per language, skipped lines, pruning).
    pub stats: CountStats,
    /// The files written (none without an output).
    pub files: Vec<PathBuf>,
    /// The encoding's name.
    pub name: String,
    /// Parity-aware training: the pivot and the options the rule ran with.
    pub parity: Option<(String, ParityOptions)>,
}

impl TrainOutcome {
    /// A tokenizer that encodes with the trained vocabulary, tiktoken's rule.
    pub fn tokenizer(&self) -> Result<fairtok_core::Tokenizer> {
        self.trained.tokenizer(&self.name)
    }
}

/// Where an output goes and what it is called: the checked output file (see
/// [`crate::output_file`]) and the name (given, or the output's, or `fairtok`).
fn output_and_name(
    output: &Option<PathBuf>,
    format: OutputFormat,
    name: &Option<String>,
) -> Result<(Option<PathBuf>, String)> {
    let out = match output {
        Some(path) => Some(crate::output_file(path, format)?),
        None => None,
    };
    let name = match (name, &out) {
        (Some(n), _) => n.clone(),
        (None, Some(out)) => crate::encoding_name(out),
        (None, None) => "fairtok".into(),
    };
    Ok((out, name))
}

/// The pattern of a run over counts files: the one asked ([`checked_pattern`]), else the first
/// counts file's, else o200k; refused as [`checked_pattern`] refuses.
fn pattern_of(pattern: &Option<String>, counts: &[PathBuf]) -> Result<String> {
    let p = match (pattern, counts.first()) {
        (Some(p), _) => return checked_pattern(p),
        (None, Some(f)) => crate::parquet_io::read_meta(f)?.pattern,
        (None, None) => fairtok_core::pattern::O200K.to_owned(),
    };
    refuse_unusable(&p)?;
    Ok(p)
}

/// The pre-tokenizer `name_or_regex` stands for (a name such as `o200k`, or a regex in
/// tiktoken's dialect), refused if it does not compile or matches the empty string (a
/// vocabulary trained with it could not encode).
pub fn checked_pattern(name_or_regex: &str) -> Result<String> {
    let p = fairtok_core::pattern::resolve(name_or_regex);
    refuse_unusable(p)?;
    Ok(p.to_owned())
}

/// Refuses a pattern that does not compile or matches the empty string.
fn refuse_unusable(p: &str) -> Result<()> {
    fairtok_core::pattern::Regex::tiktoken(p)?.refuse_empty_matches(p)?;
    Ok(())
}

/// The parity options of a training run over `langs`, its dev text read.
fn training_parity(spec: &ParitySpec, langs: &[String]) -> Result<(ParityTraining, String)> {
    if langs.is_empty() {
        return Err(TrainError::invalid(
            Setting::ParityDev,
            "needs inputs with language tags (the languages of the dev text)",
        ));
    }
    for x in &spec.exclude {
        if !langs.contains(x) {
            return Err(TrainError::invalid(
                Setting::ParityExclude,
                format!("{x}: no input of that language"),
            ));
        }
    }
    spec.dev.check()?;
    let dev = spec.dev_lines(langs, " (give it, or exclude the language)")?;
    if dev.is_empty() {
        return Err(TrainError::invalid(
            Setting::ParityExclude,
            "every input language is excluded; nothing to balance",
        ));
    }
    let pivot = match &spec.pivot {
        Some(p) if dev.iter().any(|(l, _)| l == p) => p.clone(),
        Some(p) => {
            return Err(TrainError::invalid(
                Setting::Pivot,
                format!("{p}: not an input language with dev text"),
            ))
        }
        None if dev.iter().any(|(l, _)| l == "eng_Latn") => "eng_Latn".into(),
        None => dev[0].0.clone(),
    };
    let options = spec.selection(dev.len())?;
    Ok((
        ParityTraining {
            options,
            dev,
            excluded: spec.exclude.clone(),
        },
        pivot,
    ))
}

/// Trains as `job` says: checks every option, reads and counts the inputs (files streamed,
/// texts in memory) and the counts files, trains (parity-aware with [`TrainJob::parity`]) and
/// writes the output, if any, atomically.
pub fn train_files(job: &TrainJob, progress: &dyn Progress) -> Result<TrainOutcome> {
    let threads = job.reading.threads()?;
    let mut opts = TrainOptions {
        vocab_size: job.vocab_size,
        min_frequency: job.min_frequency,
        max_token_bytes: job.max_token_bytes,
        specials: job.specials.clone(),
        threads,
        parity: None,
    };
    opts.merges_wanted()?;
    if job.inputs.is_empty() && job.counts.is_empty() {
        return Err(TrainError::invalid(
            Setting::Inputs,
            "nothing to train on: give inputs (files or texts) or counts files",
        ));
    }
    unweighted(&job.inputs)?;
    if job.format == OutputFormat::SentencePiece {
        return Err(crate::not_sentencepiece());
    }
    let pattern = pattern_of(&job.pattern, &job.counts)?;
    if job.output.is_some() && job.format == OutputFormat::Hf {
        // Refuse a pattern Hugging Face cannot run before training, not after.
        fairtok_core::write::oniguruma_pattern(&pattern)?;
    }
    let (out, name) = output_and_name(&job.output, job.format, &job.name)?;
    let langs = languages(&job.inputs);
    let mut pivot = None;
    if let Some(spec) = &job.parity {
        let (pt, p) = training_parity(spec, &langs)?;
        pivot = Some((p, pt.options));
        opts.parity = Some(pt);
    }
    let count_opts = job.reading.count_options(pattern, opts.parity.is_some())?;
    let counts = count_inputs(&job.inputs, &job.counts, &count_opts, progress)?;
    let stats = counts.stats.clone();
    let trained = crate::train(counts, &opts, progress)?;
    let files = match &out {
        Some(out) => trained.write(out, job.format, &name)?,
        None => vec![],
    };
    Ok(TrainOutcome {
        trained,
        stats,
        files,
        name,
        parity: pivot,
    })
}

/// Refuses weighted inputs: training and counting take every record once.
fn unweighted(inputs: &[InputSpec]) -> Result<()> {
    match inputs.iter().find(|i| i.weight != 1.0) {
        Some(i) => Err(TrainError::invalid(
            Setting::Inputs,
            format!(
                "{}@{}: weights apply to vocabulary extension; training counts every record once",
                i.lang, i.weight
            ),
        )),
        None => Ok(()),
    }
}

/// A counting run: the pre-tokens of inputs (files or texts) and counts files, merged into
/// one mergeable counts file ([`crate::parquet_io`]).
#[derive(Debug, Clone)]
pub struct CountJob {
    /// The input languages, files or texts (weight 1 each).
    pub inputs: Vec<InputSpec>,
    /// Counts files to add (made with the same pattern).
    pub counts: Vec<PathBuf>,
    /// The pre-tokenizer (default: the first counts file's, else o200k).
    pub pattern: Option<String>,
    /// How inputs are read.
    pub reading: Reading,
    /// The counts file to write.
    pub output: PathBuf,
}

/// Counts as `job` says and writes the counts file atomically (its language tag: the
/// languages counted, comma-separated). Returns the counts. A job of counts files alone merges
/// them (the reduce step of counting in parallel: the sum of the shards' counts, one file).
pub fn count_pretokens(job: &CountJob, progress: &dyn Progress) -> Result<PieceCounts> {
    if job.inputs.is_empty() && job.counts.is_empty() {
        return Err(TrainError::invalid(
            Setting::Inputs,
            "nothing to count: give inputs (files or texts) or counts files to merge",
        ));
    }
    unweighted(&job.inputs)?;
    let opts = job
        .reading
        .count_options(pattern_of(&job.pattern, &job.counts)?, false)?;
    crate::check_writable(&job.output)?;
    let counts = count_inputs(&job.inputs, &job.counts, &opts, progress)?;
    if counts.is_empty() {
        return Err(crate::count::no_pieces(&counts.stats));
    }
    let langs: Vec<&str> = counts
        .stats
        .languages
        .iter()
        .map(|l| l.lang.as_str())
        .collect();
    crate::write_counts(&job.output, &counts, &langs.join(","))?;
    Ok(counts)
}

/// Counts the files of `inputs` in one pass, the counts files, then the texts of `inputs`:
/// every piece a training run sees.
fn count_inputs(
    inputs: &[InputSpec],
    counts_files: &[PathBuf],
    opts: &CountOptions,
    progress: &dyn Progress,
) -> Result<PieceCounts> {
    let files: Vec<crate::Input> = inputs
        .iter()
        .filter_map(|i| match &i.source {
            TextSource::Files(paths) => Some(crate::Input {
                lang: i.lang.clone(),
                paths: paths.clone(),
            }),
            TextSource::Texts(_) => None,
        })
        .collect();
    let mut counts = count_all(&files, counts_files, opts, progress)?;
    for i in inputs {
        if let TextSource::Texts(texts) = &i.source {
            count_texts(&mut counts, &i.lang, texts, opts.threads)?;
        }
    }
    Ok(counts)
}

impl ParityReport {
    /// Each language's dev premium against `pivot` (its dev tokens over the pivot's) before
    /// and after training, in [`ParityReport::languages`] order; `None` if `pivot` has no dev
    /// text.
    pub fn premiums(&self, pivot: &str) -> Option<Vec<(f64, f64)>> {
        let p = self.languages.iter().position(|l| l == pivot)?;
        let s = &self.stats;
        let ratio = |v: &[u64], i: usize| v[i] as f64 / v[p].max(1) as f64;
        Some(
            (0..self.languages.len())
                .map(|i| {
                    (
                        ratio(&s.dev_tokens_before, i),
                        ratio(&s.dev_tokens_after, i),
                    )
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(pattern: &str) -> TrainJob {
        let mut job = TrainJob::new(300);
        job.pattern = Some(pattern.to_owned());
        job.inputs = vec![InputSpec {
            lang: "und".into(),
            weight: 1.0,
            source: TextSource::Texts(vec!["hello hello world\n".into()]),
        }];
        job
    }

    #[test]
    fn a_pattern_that_matches_the_empty_string_is_refused_before_training() {
        for p in ["", "x*", r"\p{L}+|"] {
            let e = train_files(&job(p), &crate::NoProgress).unwrap_err();
            assert!(
                matches!(
                    e,
                    TrainError::Core(fairtok_core::Error::InvalidOption {
                        option: Setting::Pattern,
                        ..
                    })
                ),
                "{p:?}: {e}"
            );
        }
        train_files(&job(r"\S+|\s+"), &crate::NoProgress).unwrap();
    }

    #[test]
    fn threads_are_capped_at_the_cores() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let reading = Reading {
            threads: Some(3000),
            ..Reading::default()
        };
        assert_eq!(reading.threads().unwrap(), cores);
    }

    #[test]
    fn pieces_all_pruned_by_the_cap_are_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.txt");
        std::fs::write(&file, "hello hello world\n").unwrap();
        let mut j = job(r"\S+|\s+");
        j.inputs[0].source = TextSource::Files(vec![file]);
        j.reading.max_pieces = 1;
        let e = train_files(&j, &crate::NoProgress).unwrap_err();
        assert!(
            matches!(
                e,
                TrainError::InvalidOption {
                    option: Setting::MaxPieces,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("pruned every piece"), "{e}");
    }

    /// Counts files alone are merged: the sum of their counts, the union of their languages.
    #[test]
    fn counts_files_alone_merge_into_their_sum() {
        let dir = tempfile::tempdir().unwrap();
        let count = |text: &str, lang: &str, name: &str| {
            let out = dir.path().join(name);
            let job = CountJob {
                inputs: vec![InputSpec::texts(lang, vec![text.to_owned()]).unwrap()],
                counts: vec![],
                pattern: Some("o200k".into()),
                reading: Reading::default(),
                output: out.clone(),
            };
            count_pretokens(&job, &crate::NoProgress).unwrap();
            out
        };
        let a = count("hello world hello", "eng_Latn", "a.parquet");
        let b = count("hello 세계", "kor_Hang", "b.parquet");
        let merged = dir.path().join("m.parquet");
        let job = CountJob {
            inputs: vec![],
            counts: vec![a, b],
            pattern: None,
            reading: Reading::default(),
            output: merged.clone(),
        };
        let sum = count_pretokens(&job, &crate::NoProgress).unwrap();
        assert_eq!(sum.get(b"hello"), 2);
        assert_eq!(sum.get(b" hello"), 1);
        assert_eq!(sum.get(b" world"), 1);
        assert_eq!(sum.get(" 세계".as_bytes()), 1);
        let meta = crate::parquet_io::read_meta(&merged).unwrap();
        assert_eq!(meta.language, "eng_Latn,kor_Hang");
        let none = CountJob {
            counts: vec![],
            ..job
        };
        assert!(count_pretokens(&none, &crate::NoProgress).is_err());
    }
}
