//! `fairtok train`: byte-level BPE training (argument parsing, progress and printing; the work
//! is `fairtok_train::train_files`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use clap::{Args, ValueEnum};
use fairtok_train::{
    CountOptions, CountStats, Input, OutputFormat, ParityOptions, ParityReport, ParityTraining,
    Progress, TrainOptions, Trained, Window,
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
    /// `--threads`, or every core.
    pub(crate) fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    /// The counting options for pieces cut with `pattern`.
    pub(crate) fn count_options(&self, pattern: String) -> CountOptions {
        CountOptions {
            pattern,
            threads: self.threads(),
            max_pieces: self.max_pieces,
            strict: self.strict,
            text_field: self.text_field.clone(),
            per_language: false,
        }
    }
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
        self.read.threads()
    }

    /// The counting options, with the pattern resolved against the `counts` files.
    pub(crate) fn count_options(&self, counts: &[PathBuf]) -> CliResult<CountOptions> {
        Ok(self.read.count_options(pattern_for(&self.pattern, counts)?))
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
    /// The selection rule for `languages` languages with dev text.
    pub(crate) fn options(&self, languages: usize) -> CliResult<ParityOptions> {
        let mut options = ParityOptions::hybrid(self.parity_hybrid.unwrap_or(0));
        if let Some(w) = self.parity_window {
            if w == 0 {
                return Err(crate::Failure("--parity-window must be at least 1".into()));
            }
            let window = match self.parity_window_max {
                Some(0) => {
                    return Err(crate::Failure(
                        "--parity-window-max must be at least 1".into(),
                    ))
                }
                Some(m) => Window {
                    size: w,
                    max_per_language: m.min(w),
                },
                None => Window::with_share(w, languages, 2.0),
            };
            options = options.window(window);
        }
        Ok(options)
    }
}

/// The lines of a dev file: UTF-8, split as the parity report splits them.
pub(crate) fn dev_lines(path: &std::path::Path) -> CliResult<Vec<String>> {
    let text =
        std::fs::read(path).map_err(|e| crate::Failure(format!("{}: {e}", path.display())))?;
    let text = String::from_utf8(text)
        .map_err(|_| crate::Failure(format!("{}: not UTF-8", path.display())))?;
    Ok(fairtok_eval::corpus::split_lines(&text))
}

/// Reads `<dir>/<lang>.dev` for every input language not excluded, in input order.
fn read_dev(
    dir: &std::path::Path,
    inputs: &[Input],
    excluded: &[String],
) -> CliResult<Vec<(String, Vec<String>)>> {
    if !dir.is_dir() {
        return Err(crate::Failure(format!(
            "--parity-dev {}: not a directory",
            dir.display()
        )));
    }
    for x in excluded {
        if !inputs.iter().any(|i| &i.lang == x) {
            return Err(crate::Failure(format!(
                "--parity-exclude {x}: no --input of that language"
            )));
        }
    }
    let mut dev: Vec<(String, Vec<String>)> = vec![];
    for input in inputs {
        let lang = &input.lang;
        if excluded.contains(lang) || dev.iter().any(|(l, _)| l == lang) {
            continue;
        }
        let path = dir.join(format!("{lang}.dev"));
        if !path.is_file() {
            return Err(crate::Failure(format!(
                "--parity-dev: no dev file {} for the --input language {lang} (give it, or --parity-exclude {lang})",
                path.display()
            )));
        }
        dev.push((lang.clone(), dev_lines(&path)?));
    }
    Ok(dev)
}

/// The parity options of the arguments, or `None` for classical training.
fn parity_training(args: &TrainArgs, inputs: &[Input]) -> CliResult<Option<ParityTraining>> {
    let Some(dir) = &args.parity_dev else {
        return Ok(None);
    };
    if !args.counts.is_empty() && inputs.is_empty() {
        return Err(crate::Failure(
            "--parity-dev needs --input LANG=PATH (the languages of the dev files)".into(),
        ));
    }
    let dev = read_dev(dir, inputs, &args.parity_exclude)?;
    if dev.is_empty() {
        return Err(crate::Failure(
            "--parity-dev: every input language is excluded; nothing to balance".into(),
        ));
    }
    let options = args.selection.options(dev.len())?;
    if let Some(p) = &args.pivot {
        if !dev.iter().any(|(l, _)| l == p) {
            return Err(crate::Failure(format!(
                "--pivot {p}: not an --input language with dev text"
            )));
        }
    }
    Ok(Some(ParityTraining {
        options,
        dev,
        excluded: args.parity_exclude.clone(),
    }))
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
    let format = match args.format {
        Format::Hf => OutputFormat::Hf,
        Format::Tiktoken => OutputFormat::Tiktoken,
    };
    let threads = args.input.threads();
    let opts = TrainOptions {
        vocab_size: args.vocab_size,
        min_frequency: args.min_frequency,
        max_token_bytes: args.max_token_bytes,
        specials: args.special.clone(),
        threads,
        parity: parity_training(&args, &inputs)?,
    };
    opts.merges_wanted()?;
    if inputs.is_empty() && args.counts.is_empty() {
        return Err(crate::Failure(
            "nothing to train on: give --input LANG=PATH or --counts FILE".into(),
        ));
    }
    let mut count_opts = args.input.count_options(&args.counts)?;
    count_opts.per_language = opts.parity.is_some();
    if format == OutputFormat::Hf {
        // Refuse a pattern Hugging Face cannot run before training, not after.
        fairtok_core::write::oniguruma_pattern(&count_opts.pattern)?;
    }
    let out = fairtok_train::output_file(&args.output, format)?;
    let bar = Bar::new(args.quiet);
    let (trained, stats) =
        fairtok_train::train_files(&inputs, &args.counts, &count_opts, &opts, &bar)?;
    let name = fairtok_train::encoding_name(&out);
    let written = trained.write(&out, format, &name)?;
    report_skipped(&stats);
    if !args.quiet {
        summary(&trained, &stats, &opts, &written, start);
        if let (Some(r), Some(pt)) = (&trained.parity, &opts.parity) {
            parity_summary(r, pt, args.pivot.as_deref());
        }
    }
    Ok(())
}

/// Dev tokens, premium and merges taken per language.
fn parity_summary(r: &ParityReport, pt: &ParityTraining, pivot: Option<&str>) {
    let o = &pt.options;
    let pivot = pivot
        .or_else(|| {
            r.languages
                .iter()
                .find(|l| *l == "eng_Latn")
                .map(|l| l.as_str())
        })
        .unwrap_or(&r.languages[0]);
    let p = r.languages.iter().position(|l| l == pivot).unwrap_or(0);
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
    for (i, l) in r.languages.iter().enumerate() {
        let prem = |v: &[u64]| v[i] as f64 / v[p].max(1) as f64;
        eprintln!(
            "{:<12} {:>12} {:>12} {:>9.3} {:>9.3} {:>8}",
            l,
            st.dev_tokens_before[i],
            st.dev_tokens_after[i],
            prem(&st.dev_tokens_before),
            prem(&st.dev_tokens_after),
            st.merges_taken[i]
        );
    }
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
        joined(written, ", ")
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
