//! `fairtok token-tax`: many tokenizers side by side on a parallel corpus, as the Markdown and
//! HTML token-tax table (`fairtok_eval::tax`).

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use fairtok_core::LoadOptions;
use fairtok_eval::corpus::{CorpusSource, ParallelCorpus};
use fairtok_eval::render::ReportFiles;
use fairtok_eval::tax;

use crate::count::specs_or_default;
use crate::*;

/// Arguments of `fairtok token-tax`.
#[derive(Args)]
pub(crate) struct TaxArgs {
    /// Tokenizers, comma-separated, each labelled by its name; each must load (default, without
    /// --list: every default built-in).
    #[arg(short = 't', long = "tokenizer", value_delimiter = ',')]
    tokenizers: Vec<String>,
    /// A list of tokenizers, one per line: label<TAB>spec[<TAB>options<TAB>same_as<TAB>note]
    /// (options: -, pattern=NAME, lowercase). One that does not load is listed under "Not in
    /// the table" with fairtok's reason; one with a same_as label is only loaded.
    #[arg(long)]
    list: Option<PathBuf>,
    /// Pre-tokenizer pattern for the .tiktoken files of -t.
    #[arg(long)]
    pattern: Option<String>,
    /// Lower-case the text for the WordPiece vocab.txt files of -t.
    #[arg(long)]
    lowercase: bool,
    /// A directory of aligned files named <lang>.<anything> (FLORES naming: kor_Hang.dev).
    /// Default: the bundled FLORES-200 dev sample of eight languages.
    #[arg(long)]
    parallel: Option<PathBuf>,
    /// The language every premium is relative to.
    #[arg(long, default_value = "eng_Latn")]
    pivot: String,
    /// Language names, one per line: code<TAB>name (default: the codes).
    #[arg(long)]
    names: Option<PathBuf>,
    /// The corpus as the page names it (default: its directory).
    #[arg(long)]
    corpus_name: Option<String>,
    /// The fairtok commit to state on the page.
    #[arg(long)]
    commit: Option<String>,
    /// The date to state on the page, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    date: Option<String>,
    /// The command that makes the page again, stated on it.
    #[arg(long)]
    regenerate: Option<String>,
    /// Write the table as Markdown to this file (`-`: standard output).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write the table as a self-contained HTML page (SVG charts) to this file (`-`: stdout).
    #[arg(long)]
    html: Option<PathBuf>,
    /// Write the table as JSON to this file (`-`: standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// No progress lines and no summary (files are still written).
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// The entries: those of --list (may be refused), then those of -t (must load); the default
/// built-ins when neither is given.
fn entries(args: &TaxArgs) -> CliResult<Vec<tax::Entry>> {
    let mut out = match &args.list {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| Failure(format!("{}: {e}", p.display())))?;
            tax::parse_list(&text, &p.display().to_string())?
        }
        None => vec![],
    };
    let specs = if args.list.is_some() && args.tokenizers.is_empty() {
        vec![]
    } else {
        specs_or_default(&args.tokenizers)
    };
    let options = LoadOptions {
        pattern: args.pattern.clone(),
        lowercase: args.lowercase,
    };
    for s in specs {
        let mut e = tax::Entry::new(&s, &s);
        e.options = options.clone();
        out.push(e);
    }
    Ok(out)
}

pub(crate) fn run(args: TaxArgs) -> CliResult {
    let entries = entries(&args)?;
    let names = match &args.names {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| Failure(format!("{}: {e}", p.display())))?;
            tax::parse_names(&text, &p.display().to_string())?
        }
        None => Default::default(),
    };
    let source = match &args.parallel {
        Some(dir) => CorpusSource::Dir(dir.clone()),
        None => CorpusSource::Bundled,
    };
    let corpus = ParallelCorpus::open(source, None, &args.pivot)?;
    let mut about = tax::About::new(
        args.corpus_name.as_deref().unwrap_or(&corpus.name),
        env!("CARGO_PKG_VERSION"),
    );
    about.commit = args.commit.clone();
    about.regenerate = args.regenerate.clone();
    if let Some(d) = &args.date {
        about.date = d.clone();
    }
    let quiet = args.quiet;
    let table = tax::build(&entries, &corpus, &args.pivot, &names, about, &|line| {
        if !quiet {
            eprintln!("{line}");
        }
    })
    .map_err(|e| match e {
        fairtok_eval::Error::Load { source, .. } => Failure::from(*source),
        e => Failure::from(e),
    })?;
    let files = ReportFiles {
        json: args.json.clone(),
        html: args.html.clone(),
        markdown: args.markdown.clone(),
    };
    table.write(&files)?;
    if !quiet && !files.to_stdout() {
        let stdout = io::stdout();
        let mut w = stdout.lock();
        w.write_all(table.summary().as_bytes()).map_err(out_err)?;
        w.flush().map_err(out_err)?;
    }
    Ok(())
}
