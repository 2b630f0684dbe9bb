//! `fairtok extend`: continue BPE training on top of an existing vocabulary, keeping every id
//! (argument parsing, reading the dev set, printing; the work is `fairtok_train::extend`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use fairtok_train::{
    Base, ExtendOptions, Extension, Input, OutputFormat, ParityDev, Script, WeightedCounts,
};

use crate::train::{dev_lines, joined, report_skipped, Bar, Format, ReadArgs, SelectionArgs};
use crate::{CliResult, Failure};

#[derive(Args)]
pub(crate) struct ExtendArgs {
    /// The base vocabulary: a built-in (o200k_base, cl100k_base, ...), a .tiktoken file or a
    /// byte-level BPE tokenizer.json (Llama 3, Qwen3, ...).
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
    /// The output file (a directory gets tokenizer.json or vocab.tiktoken inside).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// The output format. Default: the base's (tiktoken for built-ins and .tiktoken files).
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
    #[arg(long, default_value_t = 1.0, requires = "whole_pieces")]
    pub piece_bias: f64,
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

/// `LANG[@WEIGHT]=PATHS` → the input and its weight.
fn parse_input(spec: &str) -> CliResult<(Input, f64)> {
    let (head, rest) = spec.split_once('=').ok_or_else(|| {
        Failure(format!(
            "--input {spec:?}: expected LANG[@WEIGHT]=PATH[,PATH...]"
        ))
    })?;
    let (lang, weight) = match head.split_once('@') {
        Some((l, w)) => {
            let w: f64 = w
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w > 0.0)
                .ok_or_else(|| {
                    Failure(format!(
                        "--input {spec:?}: the weight {w:?} is not a positive number"
                    ))
                })?;
            (l, w)
        }
        None => (head, 1.0),
    };
    Ok((Input::parse(&format!("{lang}={rest}"))?, weight))
}

fn read_dev(dir: &Path, lang: &str) -> CliResult<Vec<String>> {
    let path = dir.join(format!("{lang}.dev"));
    if !path.is_file() {
        return Err(Failure(format!(
            "--parity-dev: no dev file {} (one is needed for every input language and the pivot)",
            path.display()
        )));
    }
    let lines = dev_lines(&path)?;
    if lines.is_empty() {
        return Err(Failure(format!("{}: empty dev file", path.display())));
    }
    Ok(lines)
}

pub(crate) fn run(args: ExtendArgs) -> CliResult {
    let start = Instant::now();
    let inputs = args
        .inputs
        .iter()
        .map(|s| parse_input(s))
        .collect::<CliResult<Vec<_>>>()?;
    if args.add == 0 {
        return Err(Failure("--add must be at least 1".into()));
    }
    let script = match &args.script {
        Some(s) => Script::named(s)?,
        None => {
            let first = Script::of_lang(&inputs[0].0.lang)?;
            for (i, _) in &inputs[1..] {
                if Script::of_lang(&i.lang)? != first {
                    return Err(Failure(format!(
                        "inputs {} and {} are in different scripts; give --script",
                        inputs[0].0.lang, i.lang
                    )));
                }
            }
            first
        }
    };
    let base = Base::load(&args.base)?;
    let format = match args.format {
        Some(Format::Hf) => OutputFormat::Hf,
        Some(Format::Tiktoken) => OutputFormat::Tiktoken,
        None if base.is_tiktoken() => OutputFormat::Tiktoken,
        None => OutputFormat::Hf,
    };
    if format == OutputFormat::Tiktoken && !base.is_tiktoken() {
        return Err(Failure(format!(
            "{}: a tokenizer.json base (Hugging Face's merge rule) can only be extended to --format hf",
            args.base
        )));
    }
    let out = fairtok_train::output_file(&args.output, format)?;
    let parity = match &args.parity_dev {
        None => None,
        Some(dir) => {
            let pivot = read_dev(dir, &args.pivot)?;
            let pivot_tokens = ParityDev::count_pivot(&base, &script, &args.pivot, &pivot)?;
            let mut lines = vec![];
            for (i, _) in &inputs {
                if !lines.iter().any(|(l, _)| *l == i.lang) {
                    lines.push((i.lang.clone(), read_dev(dir, &i.lang)?));
                }
            }
            let selection = args.selection.options(lines.len())?;
            Some(ParityDev {
                pivot_tokens,
                lines,
                selection,
            })
        }
    };
    let threads = args.read.threads();
    let count_opts = args.read.count_options(base.pattern.clone());
    let bar = Bar::new(args.quiet);
    let mut weighted = vec![];
    for (input, weight) in &inputs {
        let (langs, sources) = fairtok_train::expand(std::slice::from_ref(input))?;
        let counts = fairtok_train::count(&langs, &sources, &count_opts, &bar)?;
        report_skipped(&counts.stats);
        if !args.quiet {
            for l in &counts.stats.languages {
                eprintln!(
                    "read {} (weight {weight}): {} bytes, {} records, {} pre-tokens",
                    joined(&input.paths, ","),
                    l.bytes,
                    l.records,
                    l.pieces
                );
            }
        }
        weighted.push(WeightedCounts {
            lang: input.lang.clone(),
            weight: *weight,
            counts,
        });
    }
    let opts = ExtendOptions {
        add: args.add,
        min_frequency: args.min_frequency,
        max_token_bytes: args.max_token_bytes,
        script,
        whole_pieces: args.whole_pieces,
        piece_bias: args.piece_bias,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Failure(format!("cannot start {threads} threads: {e}")))?;
    let ext =
        pool.install(|| fairtok_train::extend(&base, weighted, parity.as_ref(), &opts, &bar))?;
    let name = fairtok_train::encoding_name(&out);
    let written = ext.write(&base, &out, format, &name)?;
    if !args.quiet {
        summary(&ext, &base, &args, &written, start);
    }
    Ok(())
}

fn summary(ext: &Extension, base: &Base, args: &ExtendArgs, written: &[PathBuf], start: Instant) {
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
        base.tokenizer.name(),
        ext.first_id,
        last.saturating_sub(1),
        start.elapsed().as_secs_f64(),
        joined(written, ", ")
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
    /// The output file.
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
    let format = match args.format {
        Format::Hf => OutputFormat::Hf,
        Format::Tiktoken => OutputFormat::Tiktoken,
    };
    let name = match fairtok_core::builtin::find(&args.tokenizer) {
        Some(b) => b.name.to_owned(),
        None => fairtok_train::encoding_name(&args.output),
    };
    fairtok_train::check_writable(&args.output)?;
    ext.write(&base, &args.output, format, &name)?;
    Ok(())
}
