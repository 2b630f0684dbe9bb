//! `fairtok train`: byte-level BPE training (argument parsing, progress and printing; the work
//! is `fairtok_train::train_files`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use clap::{Args, ValueEnum};
use fairtok_train::{
    CountOptions, CountStats, Input, OutputFormat, Progress, TrainOptions, Trained,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::CliResult;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// A Hugging Face tokenizer.json.
    Hf,
    /// A .tiktoken rank file plus FILE.json (tiktoken.Encoding's pat_str and special_tokens).
    Tiktoken,
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

impl InputArgs {
    /// The parsed `--input` values.
    pub(crate) fn parse_inputs(&self) -> CliResult<Vec<Input>> {
        Ok(self
            .inputs
            .iter()
            .map(|s| Input::parse(s))
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// `--threads`, or every core.
    pub(crate) fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    /// The counting options, with the pattern resolved against the `counts` files.
    pub(crate) fn count_options(&self, counts: &[PathBuf]) -> CliResult<CountOptions> {
        Ok(CountOptions {
            pattern: pattern_for(&self.pattern, counts)?,
            threads: self.threads(),
            max_pieces: self.max_pieces,
            strict: self.strict,
            text_field: self.text_field.clone(),
        })
    }
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
    /// The output file (a directory gets tokenizer.json or vocab.tiktoken inside).
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
    /// No progress bar and no summary (warnings still go to standard error).
    #[arg(long)]
    pub quiet: bool,
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
        let template = if name == "counting" {
            "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} read, {bytes_per_sec}, ETA {eta}"
        } else {
            "{prefix:>9} [{bar:30}] {pos}/{len} merges, {rate}, ETA {eta}"
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

pub(crate) fn output_path(output: &std::path::Path, default_name: &str) -> PathBuf {
    if output.is_dir() {
        output.join(default_name)
    } else {
        output.to_owned()
    }
}

/// The encoding's name: the output file's name without its extensions.
fn name_of(path: &std::path::Path) -> String {
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

/// The pattern: `--pattern` if given, else the first counts file's, else o200k.
pub(crate) fn pattern_for(pattern: &Option<String>, counts: &[PathBuf]) -> CliResult<String> {
    Ok(match (pattern, counts.first()) {
        (Some(p), _) => fairtok_core::pattern::resolve(p).to_owned(),
        (None, Some(f)) => fairtok_train::parquet_io::read_meta(f)?.pattern,
        (None, None) => fairtok_core::pattern::O200K.to_owned(),
    })
}

pub(crate) fn run(args: TrainArgs) -> CliResult {
    let start = Instant::now();
    let inputs = args.input.parse_inputs()?;
    let (format, default_name) = match args.format {
        Format::Hf => (OutputFormat::Hf, "tokenizer.json"),
        Format::Tiktoken => (OutputFormat::Tiktoken, "vocab.tiktoken"),
    };
    let out = output_path(&args.output, default_name);
    let threads = args.input.threads();
    let opts = TrainOptions {
        vocab_size: args.vocab_size,
        min_frequency: args.min_frequency,
        max_token_bytes: args.max_token_bytes,
        specials: args.special.clone(),
        threads,
    };
    opts.merges_wanted()?;
    if inputs.is_empty() && args.counts.is_empty() {
        return Err(crate::Failure(
            "nothing to train on: give --input LANG=PATH or --counts FILE".into(),
        ));
    }
    let count_opts = args.input.count_options(&args.counts)?;
    if format == OutputFormat::Hf {
        // Refuse a pattern Hugging Face cannot run before training, not after.
        fairtok_core::write::oniguruma_pattern(&count_opts.pattern)?;
    }
    fairtok_train::check_writable(&out)?;
    if format == OutputFormat::Tiktoken {
        fairtok_train::check_writable(&fairtok_core::write::sidecar_path(&out))?;
    }
    let bar = Bar::new(args.quiet);
    let (trained, stats) =
        fairtok_train::train_files(&inputs, &args.counts, &count_opts, &opts, &bar)?;
    let name = name_of(&out);
    let written = trained.write(&out, format, &name)?;
    report_skipped(&stats);
    if !args.quiet {
        summary(&trained, &stats, &opts, &written, start);
    }
    Ok(())
}

fn summary(
    t: &Trained,
    stats: &CountStats,
    opts: &TrainOptions,
    written: &[PathBuf],
    start: Instant,
) {
    for l in &stats.languages {
        eprintln!(
            "read {}: {} bytes, {} records, {} pre-tokens",
            l.lang, l.bytes, l.records, l.pieces
        );
    }
    let wanted = opts.vocab_size - 256 - opts.specials.len();
    if t.merges.len() < wanted {
        eprintln!(
            "note: only {} of {} merges were possible (no pair left{}); the vocabulary has {} tokens",
            t.merges.len(),
            wanted,
            if opts.min_frequency > 1 {
                format!(" seen at least {} times", opts.min_frequency)
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
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}
