//! `fairtok count-pretokens`: count the pre-tokens of a corpus into a mergeable Parquet counts
//! file (the work is `fairtok_train::count_all` and `fairtok_train::write_counts`).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use fairtok_train::{CountOptions, Input};

use crate::train::{pattern_for, report_skipped, Bar};
use crate::CliResult;

#[derive(Args)]
pub(crate) struct CountArgs {
    /// Text to count: LANG=PATH[,PATH...] (repeatable); the same kinds of files as `train`.
    #[arg(long = "input", value_name = "LANG=PATH[,PATH...]", required = true)]
    pub inputs: Vec<String>,
    /// Counts files to add (merging shards counted elsewhere); same pattern required.
    #[arg(long, value_delimiter = ',', value_name = "FILE[,FILE...]")]
    pub counts: Vec<PathBuf>,
    /// The output counts file (Parquet: columns piece, count; language and pattern in the
    /// metadata).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// The pre-tokenizer pattern: o200k, cl100k, r50k, p50k, llama3, qwen3 or a regex.
    /// Default: o200k, or the pattern of the --counts files.
    #[arg(long)]
    pub pattern: Option<String>,
    /// Threads for counting (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Cap on distinct pre-tokens kept; past it the rarest are pruned (reported).
    #[arg(long, default_value_t = 20_000_000)]
    pub max_pieces: usize,
    /// The text field of JSON-lines inputs (the text column of Parquet inputs).
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Make a line that is not UTF-8 an error (default: skip it, count it, report it).
    #[arg(long)]
    pub strict: bool,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}

pub(crate) fn run(args: CountArgs) -> CliResult {
    let start = Instant::now();
    let inputs = args
        .inputs
        .iter()
        .map(|s| Input::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let pattern = pattern_for(&args.pattern, &args.counts)?;
    fairtok_train::check_writable(&args.output)?;
    let opts = CountOptions {
        pattern,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
        max_pieces: args.max_pieces,
        strict: args.strict,
        text_field: args.text_field.clone(),
    };
    let bar = Bar::new(args.quiet);
    let counts = fairtok_train::count_all(&inputs, &args.counts, &opts, &bar)?;
    if counts.is_empty() {
        return Err(crate::Failure(
            "empty corpus: no text was read (all inputs empty, or every line skipped)".into(),
        ));
    }
    let langs: Vec<&str> = counts
        .stats
        .languages
        .iter()
        .map(|l| l.lang.as_str())
        .collect();
    fairtok_train::write_counts(&args.output, &counts, &langs.join(","))?;
    report_skipped(&counts.stats);
    if !args.quiet {
        eprintln!(
            "counted {} distinct pre-tokens ({} occurrences) in {:.1}s; wrote {}",
            counts.len(),
            counts.total(),
            start.elapsed().as_secs_f64(),
            args.output.display()
        );
    }
    Ok(())
}
