//! `fairtok count-pretokens`: count the pre-tokens of a corpus into a mergeable Parquet counts
//! file (the work is one call of `fairtok_train::count_pretokens`).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::train::{parse_inputs, report_skipped, Bar, InputArgs};
use crate::CliResult;

#[derive(Args)]
pub(crate) struct CountArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Counts files to add (merging shards counted elsewhere); same pattern required.
    #[arg(long, value_delimiter = ',', value_name = "FILE[,FILE...]")]
    pub counts: Vec<PathBuf>,
    /// The output counts file (Parquet: columns piece, count; language and pattern in the
    /// metadata; `-`: standard output).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}

pub(crate) fn run(args: CountArgs) -> CliResult {
    let start = Instant::now();
    let job = fairtok_train::CountJob {
        inputs: parse_inputs(&args.input.inputs)?,
        counts: args.counts.clone(),
        pattern: args.input.pattern.clone(),
        reading: args.input.read.reading(),
        output: args.output.clone(),
    };
    let bar = Bar::new(args.quiet);
    let counts = fairtok_train::count_pretokens(&job, &bar)?;
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
