//! `fairtok parity`: the token premium of each language against a pivot, per tokenizer.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Args;
use fairtok_eval::corpus::{CorpusSource, ParallelCorpus};
use fairtok_eval::{metrics, render};

use crate::count::specs_or_default;
use crate::*;

/// Arguments of `fairtok parity`.
#[derive(Args)]
pub(crate) struct ParityArgs {
    /// Tokenizers, comma-separated (default: every default built-in).
    #[arg(short = 't', long = "tokenizer", value_delimiter = ',')]
    tokenizers: Vec<String>,
    /// Pre-tokenizer pattern for .tiktoken files: cl100k, o200k, r50k, p50k, llama3, qwen3 or a regex.
    #[arg(long)]
    pattern: Option<String>,
    /// Lower-case (and strip accents from) the text for a WordPiece vocab.txt (BERT uncased).
    #[arg(long)]
    lowercase: bool,
    /// A directory of aligned files named <lang>.<anything> (FLORES naming: kor_Hang.dev).
    /// Default: the bundled FLORES-200 dev sample of eight languages.
    #[arg(long, conflicts_with = "pair")]
    parallel: Option<PathBuf>,
    /// An aligned file for one language, LANG=FILE (repeat for each language).
    #[arg(long, value_parser = parse_pair)]
    pair: Vec<(String, PathBuf)>,
    /// Languages to compare, comma-separated (default: all in the corpus). The pivot is added.
    #[arg(long, value_delimiter = ',')]
    langs: Vec<String>,
    /// The language every other one is compared with.
    #[arg(long, default_value = "eng_Latn")]
    pivot: String,
    /// Price in USD per million tokens: one for all tokenizers, or one per tokenizer.
    #[arg(long, value_delimiter = ',')]
    price: Vec<f64>,
    /// Write the report as JSON to this file (`-`: standard output, instead of the table).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the report as a self-contained HTML page (SVG charts) to this file (`-`: stdout).
    #[arg(long)]
    html: Option<PathBuf>,
    /// Write the tables as Markdown to this file (`-`: standard output).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// No progress bar and no table on the terminal (files are still written).
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn parse_pair(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((l, f)) if !l.is_empty() && !f.is_empty() => Ok((l.to_owned(), PathBuf::from(f))),
        _ => Err(format!("expected LANG=FILE, got {s:?}")),
    }
}

pub(crate) fn run(args: ParityArgs) -> CliResult {
    let specs = specs_or_default(&args.tokenizers);
    let prices = metrics::prices_for(&args.price, specs.len())?;
    let source = match (&args.parallel, args.pair.is_empty()) {
        (Some(dir), _) => CorpusSource::Dir(dir.clone()),
        (None, false) => CorpusSource::Pairs(args.pair.clone()),
        (None, true) => CorpusSource::Bundled,
    };
    let langs = (!args.langs.is_empty()).then_some(&args.langs[..]);
    let corpus = ParallelCorpus::open(source, langs, &args.pivot)?;
    let tokenizers = specs
        .iter()
        .map(|s| load(s, &args.pattern, args.lowercase))
        .collect::<CliResult<Vec<_>>>()?;

    let total = (tokenizers.len() * corpus.languages.len() * corpus.lines()) as u64;
    let show = !args.quiet && io::stderr().is_terminal();
    let bar = if show {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} encoding lines {bar:40} {pos}/{len} ({per_sec}, ETA {eta})",
            )
            .expect("valid template"),
        );
        Some(b)
    } else {
        None
    };
    let done = AtomicU64::new(0);
    let report = metrics::measure(&tokenizers, &corpus, &args.pivot, &prices, &|n| {
        let d = done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(b) = &bar {
            b.set_position(d);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let files = render::ReportFiles {
        json: args.json.clone(),
        html: args.html.clone(),
        markdown: args.markdown.clone(),
    };
    render::write_reports(&report, &files)?;
    // A report written to standard output is the output: no table after it.
    if !args.quiet && !files.to_stdout() {
        let stdout = io::stdout();
        let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let mut w = stdout.lock();
        w.write_all(render::table(&report, color).as_bytes())
            .map_err(out_err)?;
        w.flush().map_err(out_err)?;
    }
    Ok(())
}
