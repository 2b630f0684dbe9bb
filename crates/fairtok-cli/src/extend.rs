//! `fairtok extend`: continue BPE training on top of an existing vocabulary, keeping every id
//! (argument parsing and printing; the work is one call of `fairtok_train::extend_files`), and
//! `fairtok export`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use fairtok_train::{Base, ExtendJob, ExtendOutcome, Extension, TextSource};

use crate::train::{joined, parse_inputs, report_skipped, Bar, Format, ReadArgs, SelectionArgs};
use crate::CliResult;

#[derive(Args)]
pub(crate) struct ExtendArgs {
    /// The base vocabulary: a built-in (o200k_base, cl100k_base, ...), a .tiktoken file, a
    /// byte-level BPE tokenizer.json (Llama 3, Qwen3, ...) or a SentencePiece BPE .model
    /// (Mistral, KoGPT2, ...).
    #[arg(short = 't', long = "tokenizer", value_name = "BASE")]
    pub base: String,
    /// Training text: LANG[@WEIGHT]=PATH[,PATH...] (repeatable). WEIGHT multiplies the counts of
    /// these files (default 1), e.g. kor_Hang@0.3=laws.txt.gz.
    #[arg(
        long = "input",
        value_name = "LANG[@WEIGHT]=PATH[,PATH...]",
        required = true
    )]
    pub inputs: Vec<String>,
    /// How many tokens to add.
    #[arg(long)]
    pub add: usize,
    /// The output file (a directory gets tokenizer.json, vocab.tiktoken or tokenizer.model
    /// inside; `-`: the file on standard output, but not a .tiktoken).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// The output format. Default: the base's (tiktoken for built-ins and .tiktoken files, spm
    /// for a SentencePiece .model, which can only be written as one).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The script every new token must contain (default: the script subtag of the input
    /// languages, e.g. Hang for kor_Hang). Text without it encodes exactly as under the base.
    #[arg(long)]
    pub script: Option<String>,
    /// A parallel dev set (a directory of LANG.dev files, FLORES layout) for parity-aware
    /// selection: each merge goes to the input language with the highest dev premium.
    #[arg(long, value_name = "DIR")]
    pub parity_dev: Option<PathBuf>,
    /// The pivot language of the dev set.
    #[arg(long, default_value = "eng_Latn", requires = "parity_dev")]
    pub pivot: String,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Also consider whole pieces (words) as new tokens: a piece that is a token needs no
    /// chain of intermediate tokens. Each step takes the pair or the piece that saves more.
    /// tiktoken-rule bases only.
    #[arg(long)]
    pub whole_pieces: bool,
    /// With --whole-pieces: take a piece over the best pair only if it saves at least this many
    /// times the pair's count (above 1 favours pairs, which also enable later merges).
    #[arg(long, requires = "whole_pieces")]
    pub piece_bias: Option<f64>,
    /// Pairs seen fewer times than this (after weighting) are not merged.
    #[arg(long, default_value_t = 2)]
    pub min_frequency: u64,
    /// No new token longer than this many bytes.
    #[arg(long)]
    pub max_token_bytes: Option<usize>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}

pub(crate) fn run(args: ExtendArgs) -> CliResult {
    let start = Instant::now();
    let job = ExtendJob {
        inputs: parse_inputs(&args.inputs)?,
        script: args.script.clone(),
        parity: args
            .parity_dev
            .as_ref()
            .map(|dir| args.selection.spec(dir, Some(args.pivot.clone()))),
        whole_pieces: args.whole_pieces,
        piece_bias: args.piece_bias,
        min_frequency: args.min_frequency,
        max_token_bytes: args.max_token_bytes,
        reading: args.read.reading(),
        output: Some(args.output.clone()),
        format: args.format.map(Into::into),
        ..ExtendJob::new(&args.base, args.add)
    };
    let bar = Bar::new(args.quiet);
    let outcome = fairtok_train::extend_files(&job, &bar)?;
    report_skipped(&outcome.stats);
    if !args.quiet {
        summary(&outcome, &job, &args, start);
    }
    Ok(())
}

fn summary(outcome: &ExtendOutcome, job: &ExtendJob, args: &ExtendArgs, start: Instant) {
    for (input, read) in job.inputs.iter().zip(&outcome.inputs) {
        let from = match &input.source {
            TextSource::Files(paths) => joined(paths, ","),
            TextSource::Texts(t) => format!("{} texts", t.len()),
        };
        let l = &read.stats;
        eprintln!(
            "read {from} (weight {}): {} bytes, {} records, {} pre-tokens",
            read.weight, l.bytes, l.records, l.pieces
        );
    }
    let ext = &outcome.extension;
    if ext.tokens.len() < args.add {
        eprintln!(
            "note: only {} of {} tokens could be added (no pair left seen at least {} times)",
            ext.tokens.len(),
            args.add,
            args.min_frequency
        );
    }
    let last = ext.first_id as usize + ext.tokens.len();
    eprintln!(
        "added {} tokens to {} with ids {}..{} (every base id unchanged) in {:.1}s; wrote {}",
        ext.tokens.len(),
        outcome.base.tokenizer.name(),
        ext.first_id,
        last.saturating_sub(1),
        start.elapsed().as_secs_f64(),
        joined(&outcome.files, ", ")
    );
    if let (Some(p), Some(_)) = (ext.dev_premium.last(), &args.parity_dev) {
        eprintln!("dev premium vs {} after extension: {p:.3?}", args.pivot);
    }
}

#[derive(Args)]
pub(crate) struct ExportArgs {
    /// The tokenizer: a built-in (o200k_ko, o200k_base, ...), a .tiktoken file (with its
    /// sidecar) or a byte-level BPE tokenizer.json.
    #[arg(short = 't', long = "tokenizer")]
    pub tokenizer: String,
    /// The output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The output file (`-`: a tokenizer.json on standard output).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
}

/// `fairtok export`: writes a tokenizer as tokenizer.json or .tiktoken (+ sidecar), with the
/// same ids. A built-in extension (o200k_ko) is written as its base plus its added tokens, with
/// the merges Hugging Face needs to follow tiktoken's rule.
pub(crate) fn export(args: ExportArgs) -> CliResult {
    let (base, ext) = match Extension::of_builtin(&args.tokenizer)? {
        Some(x) => x,
        None => {
            let base = Base::load(&args.tokenizer)?;
            let ext = Extension::empty(&base);
            (base, ext)
        }
    };
    let format = args.format.into();
    let name = match fairtok_core::builtin::find(&args.tokenizer) {
        Some(b) => b.name.to_owned(),
        None => fairtok_train::encoding_name(&args.output),
    };
    fairtok_train::check_writable(&args.output)?;
    ext.write(&base, &args.output, format, &name)?;
    Ok(())
}
