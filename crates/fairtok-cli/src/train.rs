//! `fairtok train`: byte-level BPE training (argument parsing, progress and printing; the work
//! is one call of `fairtok_train::train_files`). The argument groups shared with `extend` and
//! `count-pretokens` live here too.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use clap::{Args, ValueEnum};
use fairtok_train::{
    CountStats, InputSpec, OutputFormat, ParitySpec, Progress, Reading, TrainJob, TrainOutcome,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::CliResult;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// A Hugging Face tokenizer.json.
    Hf,
    /// A .tiktoken rank file plus FILE.json (tiktoken.Encoding's pat_str and special_tokens).
    Tiktoken,
    /// A SentencePiece .model file (extending a SentencePiece base only).
    #[value(name = "spm", alias = "sentencepiece")]
    Spm,
}

impl From<Format> for OutputFormat {
    fn from(f: Format) -> OutputFormat {
        match f {
            Format::Hf => OutputFormat::Hf,
            Format::Tiktoken => OutputFormat::Tiktoken,
            Format::Spm => OutputFormat::SentencePiece,
        }
    }
}

/// The input arguments `train` and `count-pretokens` share (flattened into both).
#[derive(Args)]
pub(crate) struct InputArgs {
    /// Text: LANG=PATH[,PATH...] (repeatable). Files may be plain text, .gz, .zst, JSON lines
    /// (.jsonl/.ndjson/.json, see --text-field), Parquet or directories (read recursively).
    #[arg(long = "input", value_name = "LANG=PATH[,PATH...]")]
    pub inputs: Vec<String>,
    /// The pre-tokenizer pattern: o200k, cl100k, r50k, p50k, llama3, qwen3 or a regex
    /// (tiktoken's dialect). Default: o200k, or the pattern of the --counts files.
    #[arg(long)]
    pub pattern: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// How inputs are read and counted (`train`, `count-pretokens`, `extend`).
#[derive(Args)]
pub(crate) struct ReadArgs {
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Cap on distinct pre-tokens kept while counting; past it the rarest are pruned (reported).
    #[arg(long, default_value_t = 20_000_000)]
    pub max_pieces: usize,
    /// The text field of JSON-lines inputs (the text column of Parquet inputs).
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Make a line that is not UTF-8 an error (default: skip it, count it, report it).
    #[arg(long)]
    pub strict: bool,
}

impl ReadArgs {
    /// How the library reads the inputs.
    pub(crate) fn reading(&self) -> Reading {
        Reading {
            threads: self.threads,
            max_pieces: self.max_pieces,
            text_field: self.text_field.clone(),
            strict: self.strict,
        }
    }
}

/// The `--input` values, parsed as the library parses them.
pub(crate) fn parse_inputs(specs: &[String]) -> CliResult<Vec<InputSpec>> {
    Ok(specs
        .iter()
        .map(|s| InputSpec::parse(s))
        .collect::<Result<Vec<_>, _>>()?)
}

#[derive(Args)]
pub(crate) struct TrainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Counts files made by `fairtok count-pretokens` (Parquet), added to the counts of the
    /// inputs. They must have been made with the same pattern.
    #[arg(long, value_delimiter = ',', value_name = "FILE[,FILE...]")]
    pub counts: Vec<PathBuf>,
    /// The vocabulary size, counted as Hugging Face's trainer does: 256 byte tokens + merges +
    /// special tokens.
    #[arg(long)]
    pub vocab_size: usize,
    /// The output file (a directory gets tokenizer.json or vocab.tiktoken inside; `-`: a
    /// tokenizer.json on standard output).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// The output format.
    #[arg(long, value_enum, default_value = "hf")]
    pub format: Format,
    /// Pairs seen fewer times than this are not merged (training stops there).
    #[arg(long, default_value_t = 0)]
    pub min_frequency: u64,
    /// No token longer than this many bytes.
    #[arg(long)]
    pub max_token_bytes: Option<usize>,
    /// Special tokens, comma-separated; they take the ids after the last merge.
    #[arg(long, value_delimiter = ',')]
    pub special: Vec<String>,
    /// Parity-aware training (Foroutan et al. 2025): a directory of parallel dev files
    /// `<lang>.dev` (FLORES layout), one for each --input language. Before each merge, the
    /// language whose dev text is longest in tokens is chosen and its most frequent pair is
    /// merged (in every language).
    #[arg(long, value_name = "DIR")]
    pub parity_dev: Option<PathBuf>,
    /// The language premiums are reported against (dev tokens / pivot dev tokens). Default:
    /// eng_Latn if it is an input, else the first input with dev text. Selection needs no
    /// pivot (the dev lines are parallel, so raw token counts compare).
    #[arg(long, requires = "parity_dev")]
    pub pivot: Option<String>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// --input languages without dev text (code, say), comma-separated: never chosen, they
    /// get only global merges (hybrid steps, or once no language has a pair left); their words
    /// are merged like all others.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LANG[,LANG...]",
        requires = "parity_dev"
    )]
    pub parity_exclude: Vec<String>,
    /// No progress bar and no summary (warnings still go to standard error).
    #[arg(long)]
    pub quiet: bool,
}

/// The variants of parity-aware selection (`train` and `extend`).
#[derive(Args)]
pub(crate) struct SelectionArgs {
    /// Hybrid parity-aware training: the first K merges by global frequency (classical), the
    /// rest parity-aware.
    #[arg(long, value_name = "K", requires = "parity_dev")]
    pub parity_hybrid: Option<usize>,
    /// Moving window: among the last W parity-aware merges one language may take at most
    /// --parity-window-max (default ceil(2 W / languages with dev text), twice an even share);
    /// a language at its cap yields to the next longest.
    #[arg(long, value_name = "W", requires = "parity_dev")]
    pub parity_window: Option<usize>,
    /// The cap of --parity-window.
    #[arg(long, value_name = "M", requires = "parity_window")]
    pub parity_window_max: Option<usize>,
}

impl SelectionArgs {
    /// Parity-aware selection with the dev text in `dir` (the library checks every value).
    pub(crate) fn spec(&self, dir: &std::path::Path, pivot: Option<String>) -> ParitySpec {
        ParitySpec {
            pivot,
            hybrid: self.parity_hybrid,
            window: self.parity_window,
            window_max: self.parity_window_max,
            ..ParitySpec::new(fairtok_train::DevText::Dir(dir.to_owned()))
        }
    }
}

/// An indicatif bar per stage, on standard error, only on a terminal.
pub(crate) struct Bar {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl Bar {
    pub(crate) fn new(quiet: bool) -> Bar {
        Bar {
            bar: Mutex::new(None),
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::new(total.unwrap_or(0));
        let template = match name {
            "counting" => {
                "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} read, {bytes_per_sec}, ETA {eta}"
            }
            "writing" => {
                "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} written, {bytes_per_sec}, ETA {eta}"
            }
            _ => "{prefix:>9} [{bar:30}] {pos}/{len} merges, {rate}, ETA {eta}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            let style = style.with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", s.per_sec());
                },
            );
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.to_owned());
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    fn set(&self, pos: u64) {
        if let Ok(b) = self.bar.lock() {
            if let Some(b) = b.as_ref() {
                b.set_position(pos);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut b) = self.bar.lock() {
            if let Some(b) = b.take() {
                b.finish_and_clear();
            }
        }
    }
}

pub(crate) fn report_skipped(stats: &CountStats) {
    if stats.skipped_utf8 > 0 {
        let at = stats
            .first_skipped
            .as_ref()
            .map(|(p, l)| format!(" (the first at {}:{l})", p.display()))
            .unwrap_or_default();
        eprintln!(
            "fairtok: warning: skipped {} lines that are not UTF-8{at}; --strict makes them an error",
            stats.skipped_utf8
        );
    }
    if stats.pruned_pieces > 0 {
        eprintln!(
            "fairtok: warning: the distinct pre-tokens outgrew --max-pieces: pruned {} of them ({} occurrences, each seen at most {} times)",
            stats.pruned_pieces, stats.pruned_occurrences, stats.prune_threshold
        );
    }
}

pub(crate) fn run(args: TrainArgs) -> CliResult {
    let start = Instant::now();
    let job = TrainJob {
        inputs: parse_inputs(&args.input.inputs)?,
        counts: args.counts.clone(),
        pattern: args.input.pattern.clone(),
        min_frequency: args.min_frequency,
        max_token_bytes: args.max_token_bytes,
        specials: args.special.clone(),
        parity: args.parity_dev.as_ref().map(|dir| ParitySpec {
            exclude: args.parity_exclude.clone(),
            ..args.selection.spec(dir, args.pivot.clone())
        }),
        reading: args.input.read.reading(),
        output: Some(args.output.clone()),
        format: args.format.into(),
        ..TrainJob::new(args.vocab_size)
    };
    let bar = Bar::new(args.quiet);
    let outcome = fairtok_train::train_files(&job, &bar)?;
    report_skipped(&outcome.stats);
    if !args.quiet {
        summary(&outcome, &job, start);
        parity_summary(&outcome);
    }
    Ok(())
}

/// Dev tokens, premium and merges taken per language.
fn parity_summary(outcome: &TrainOutcome) {
    let (Some(r), Some((pivot, o))) = (&outcome.trained.parity, &outcome.parity) else {
        return;
    };
    let st = &r.stats;
    eprintln!(
        "parity-aware: {} global merges first{}; {} global merges in all; premium vs {pivot}",
        if o.global_merges == 0 {
            "no".to_owned()
        } else {
            o.global_merges.to_string()
        },
        o.window
            .map(|w| format!(
                ", window {} (at most {} per language)",
                w.size, w.max_per_language
            ))
            .unwrap_or_default(),
        st.global_merges
    );
    eprintln!(
        "{:<12} {:>12} {:>12} {:>9} {:>9} {:>8}",
        "language", "dev before", "dev after", "prem. b.", "prem. a.", "merges"
    );
    let premiums = r.premiums(pivot).unwrap_or_default();
    for (i, (l, (before, after))) in r.languages.iter().zip(premiums).enumerate() {
        eprintln!(
            "{:<12} {:>12} {:>12} {:>9.3} {:>9.3} {:>8}",
            l, st.dev_tokens_before[i], st.dev_tokens_after[i], before, after, st.merges_taken[i]
        );
    }
}

fn summary(outcome: &TrainOutcome, job: &TrainJob, start: Instant) {
    let t = &outcome.trained;
    for l in &outcome.stats.languages {
        eprintln!(
            "read {}: {} bytes, {} records, {} pre-tokens",
            l.lang, l.bytes, l.records, l.pieces
        );
    }
    let wanted = job.vocab_size - 256 - job.specials.len();
    if t.merges.len() < wanted {
        eprintln!(
            "note: only {} of {} merges were possible (no pair left{}); the vocabulary has {} tokens",
            t.merges.len(),
            wanted,
            if job.min_frequency > 1 {
                format!(" seen at least {} times", job.min_frequency)
            } else {
                String::new()
            },
            t.vocab_size()
        );
    }
    eprintln!(
        "trained {} tokens (256 bytes + {} merges + {} special) in {:.1}s; wrote {}",
        t.vocab_size(),
        t.merges.len(),
        t.specials.len(),
        start.elapsed().as_secs_f64(),
        joined(&outcome.files, ", ")
    );
}

/// The paths, displayed and joined by `sep`.
pub(crate) fn joined(paths: &[PathBuf], sep: &str) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(sep)
}
