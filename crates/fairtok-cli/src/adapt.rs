//! `fairtok adapt`: give a Hugging Face checkpoint the rows of an extended vocabulary
//! (argument parsing and printing; the work is one call of `fairtok_adapt::adapt`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use fairtok_adapt::{AdaptOptions, AdaptReport, OutputInit};

use crate::train::Bar;
use crate::{out_err, CliResult, Failure};

#[derive(Args)]
pub(crate) struct AdaptArgs {
    /// The model: a Hugging Face checkpoint directory (config.json, model.safetensors or
    /// sharded *.safetensors with model.safetensors.index.json, and its tokenizer.json).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// The extended vocabulary: a tokenizer.json written by `fairtok extend` on the model's
    /// tokenizer.json (every base id must keep its bytes).
    #[arg(short = 't', long = "tokenizer", value_name = "EXTENDED")]
    pub tokenizer: PathBuf,
    /// The output directory (must not exist, or be empty); written whole or not at all.
    #[arg(short = 'o', long, value_name = "OUT_DIR")]
    pub output: PathBuf,
    /// The new output-embedding (lm_head) rows: the mean of the pieces' rows, or the first
    /// piece's row (EEVE). Input-embedding rows are always the mean.
    #[arg(long, value_enum, default_value_t = Init::Mean)]
    pub init: Init,
    /// Round the number of rows up to a multiple of N (the extra rows are zero, no token's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub pad_to: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Init {
    Mean,
    First,
}

impl From<fairtok_adapt::Error> for Failure {
    fn from(e: fairtok_adapt::Error) -> Self {
        match e {
            fairtok_adapt::Error::Tokenizer(e) => e.into(),
            e => Failure(e.to_string()),
        }
    }
}

pub(crate) fn run(args: AdaptArgs) -> CliResult {
    let start = Instant::now();
    let opts = AdaptOptions {
        output_init: match args.init {
            Init::Mean => OutputInit::Mean,
            Init::First => OutputInit::First,
        },
        pad_to: args.pad_to.map(|n| n as usize),
        ..AdaptOptions::default()
    };
    let bar = Bar::new(args.quiet || args.json);
    let report = fairtok_adapt::adapt(&args.model, &args.tokenizer, &args.output, &opts, &bar)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", report.to_json()).map_err(out_err)?;
    } else {
        summary(&mut out, &report, &args, start.elapsed().as_secs_f64()).map_err(out_err)?;
    }
    Ok(())
}

fn summary(
    out: &mut impl Write,
    r: &AdaptReport,
    args: &AdaptArgs,
    seconds: f64,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} new ids ({} .. {}), {} rows ({} before; {} padding rows reused, {} zero rows), {}",
        args.output.display(),
        r.new_ids,
        r.base_ids,
        r.base_ids + r.new_ids - 1,
        r.rows,
        r.old_rows,
        r.reused_rows,
        r.zero_rows,
        r.dtype
    )?;
    let output = match (&r.output_tensor, r.output_init) {
        (Some(name), Some(init)) => format!("{name}: {}", init.name()),
        _ => "tied to the input".to_string(),
    };
    writeln!(
        out,
        "  input {}: mean of pieces; output {output}",
        r.input_tensor
    )?;
    let pieces: Vec<String> = r.pieces.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    writeln!(
        out,
        "  pieces per new token (pieces: tokens): {}",
        pieces.join(", ")
    )?;
    if let Some((base, ext)) = r.sample_tokens {
        writeln!(
            out,
            "  Korean sample (FLORES-200 dev): {base} tokens before, {ext} after ({:.1}% fewer)",
            100.0 * (base as f64 - ext as f64) / base as f64
        )?;
    }
    if !r.left_out.is_empty() {
        writeln!(
            out,
            "  left out (stale with the new vocabulary): {}",
            r.left_out.join(", ")
        )?;
    }
    writeln!(
        out,
        "  {:.1} MB of tensors written in {seconds:.1} s; report in {}",
        r.tensor_bytes as f64 / 1e6,
        fairtok_adapt::REPORT_FILE
    )
}
