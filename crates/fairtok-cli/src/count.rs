//! `fairtok count`.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use crate::*;

/// Arguments of `fairtok count`.
#[derive(Args)]
pub(crate) struct CountArgs {
    /// Tokenizers, comma-separated (default: cl100k_base,o200k_base,r50k_base,p50k_base).
    #[arg(short = 't', long = "tokenizer", value_delimiter = ',')]
    tokenizers: Vec<String>,
    /// Pre-tokenizer pattern for .tiktoken files: cl100k, o200k, r50k, p50k, llama3, qwen3 or a regex.
    #[arg(long)]
    pattern: Option<String>,
    /// Lower-case (and strip accents from) the text for a WordPiece vocab.txt (BERT uncased).
    #[arg(long)]
    lowercase: bool,
    #[command(flatten)]
    enc: EncArgs,
    /// Price in USD per million tokens: one for all tokenizers, or one per tokenizer
    /// (comma-separated, in -t order). Adds the cost of each file.
    #[arg(long, value_delimiter = ',')]
    price: Vec<f64>,
    /// Print {"files": [{"path", "tokenizer", "tokens", "bytes", "chars"}]} instead of a table.
    #[arg(long)]
    json: bool,
    /// Files to count (default: the bundled FLORES-200 dev sample, Korean and English).
    files: Vec<PathBuf>,
}

#[derive(serde::Serialize)]
struct CountRow {
    path: String,
    tokenizer: String,
    tokens: usize,
    bytes: usize,
    chars: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_usd: Option<f64>,
}

/// The tokenizers to use: the given ones, or the default built-ins.
pub(crate) fn specs_or_default(tokenizers: &[String]) -> Vec<String> {
    if tokenizers.is_empty() {
        fairtok_core::builtin::NAMES
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        tokenizers.to_vec()
    }
}

pub(crate) fn run(args: CountArgs) -> CliResult {
    let specs = specs_or_default(&args.tokenizers);
    let prices = fairtok_eval::metrics::prices_for(&args.price, specs.len())?;
    let threads = args.enc.threads();
    let opts = args.enc.options();
    let mut rows = vec![];
    // The tokenizers load on their own thread, one after another, while the inputs are read
    // and checked (on the other threads) and then counted; a bad input is still reported
    // before a bad tokenizer.
    std::thread::scope(|scope| -> CliResult {
        let (tx, rx) = std::sync::mpsc::channel();
        let (pattern, lowercase) = (&args.pattern, args.lowercase);
        let specs = &specs;
        Task::spawn(scope, move || {
            for spec in specs {
                if tx.send(load(spec, pattern, lowercase)).is_err() {
                    break; // the counting side stopped
                }
            }
        });
        let inputs: Vec<(String, input::Text)> = if args.files.is_empty() {
            fairtok_eval::samples::FLORES_DEV[..2]
                .iter()
                .map(|(lang, text)| {
                    (
                        format!("{lang} (FLORES-200 dev, bundled)"),
                        input::Text::from(text.to_string()),
                    )
                })
                .collect()
        } else {
            args.files
                .iter()
                .map(|f| {
                    let name = display(f);
                    let text = input::read_text(f, &name, args.enc.lossy, threads)?;
                    Ok((name, text))
                })
                .collect::<CliResult<_>>()?
        };
        for (i, _) in specs.iter().enumerate() {
            let t = rx
                .recv()
                .expect("the loading thread sends every tokenizer")?;
            for (path, text) in &inputs {
                let text_str = text.as_str();
                let tokens = if args.enc.is_default() {
                    t.count_parallel(text_str, threads)
                } else {
                    t.encode_with(text_str, &opts).map(|ids| ids.len())
                }
                .map_err(|e| Failure(format!("{path}: {e}")))?;
                rows.push(CountRow {
                    path: path.clone(),
                    tokenizer: t.name().to_owned(),
                    tokens,
                    bytes: text_str.len(),
                    chars: text.chars(),
                    cost_usd: prices.get(i).map(|p| tokens as f64 * p / 1e6),
                });
            }
            // Freeing a vocabulary's hundreds of thousands of allocations takes longer than
            // the process has left: the OS takes the memory back at exit.
            std::mem::forget(t);
        }
        Ok(())
    })?;
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut w, &serde_json::json!({ "files": rows }))
            .map_err(|e| out_err(e.into()))?;
        w.write_all(b"\n").map_err(out_err)?;
    } else {
        let pw = rows
            .iter()
            .map(|r| r.path.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let tw = rows
            .iter()
            .map(|r| r.tokenizer.len())
            .max()
            .unwrap_or(9)
            .max(9);
        let mut s = format!(
            "{:<pw$}  {:<tw$}  {:>10}  {:>10}  {:>10}  {:>11}  {:>11}",
            "file", "tokenizer", "tokens", "bytes", "chars", "bytes/token", "chars/token"
        );
        if !prices.is_empty() {
            s.push_str(&format!("  {:>10}", "cost $"));
        }
        s.push('\n');
        for r in &rows {
            let per = |x: usize| {
                if r.tokens == 0 {
                    0.0
                } else {
                    x as f64 / r.tokens as f64
                }
            };
            s.push_str(&format!(
                "{:<pw$}  {:<tw$}  {:>10}  {:>10}  {:>10}  {:>11.3}  {:>11.3}",
                r.path,
                r.tokenizer,
                r.tokens,
                r.bytes,
                r.chars,
                per(r.bytes),
                per(r.chars)
            ));
            if let Some(c) = r.cost_usd {
                s.push_str(&format!("  {c:>10.4}"));
            }
            s.push('\n');
        }
        w.write_all(s.as_bytes()).map_err(out_err)?;
    }
    w.flush().map_err(out_err)
}
