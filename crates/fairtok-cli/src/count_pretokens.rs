//! `fairtok count-pretokens`: count the pre-tokens of a corpus into a mergeable Parquet counts
//! file (the work is `fairtok_train::count_all` and `fairtok_train::write_counts`).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::train::{report_skipped, Bar, InputArgs};
use crate::CliResult;

#[derive(Args)]
pub(crate) struct CountArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Counts files to add (merging shards counted elsewhere); same pattern required.
    #[arg(long, value_delimiter = ',', value_name = "FILE[,FILE...]")]
    pub counts: Vec<PathBuf>,
    /// The output counts file (Parquet: columns piece, count; language and pattern in the
    /// metadata).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}

pub(crate) fn run(args: CountArgs) -> CliResult {
    let start = Instant::now();
    let inputs = args.input.parse_inputs()?;
    if inputs.is_empty() {
        return Err(crate::Failure(
            "nothing to count: give --input LANG=PATH[,PATH...]".into(),
        ));
    }
    let opts = args.input.count_options(&args.counts)?;
    fairtok_train::check_writable(&args.output)?;
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
