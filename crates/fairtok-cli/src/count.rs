//! `fairtok count`.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::*;

#[derive(serde::Serialize)]
struct CountRow {
    path: String,
    tokenizer: String,
    tokens: usize,
    bytes: usize,
    chars: usize,
}

pub(crate) fn run(
    tokenizers: Vec<String>,
    pattern: Option<String>,
    enc: &EncArgs,
    json: bool,
    files: Vec<PathBuf>,
) -> CliResult {
    let specs: Vec<String> = if tokenizers.is_empty() {
        fairtok_core::builtin::NAMES
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        tokenizers
    };
    // Read and check every input before the (slower) tokenizer loading, so bad input fails fast.
    let inputs: Vec<(String, String)> = if files.is_empty() {
        samples::FLORES_DEV[..2]
            .iter()
            .map(|(lang, text)| {
                (
                    format!("{lang} (FLORES-200 dev, bundled)"),
                    text.to_string(),
                )
            })
            .collect()
    } else {
        files
            .iter()
            .map(|f| {
                let name = display(f);
                let text = text_of(read_input(f)?, &name, enc.lossy)?;
                Ok((name, text))
            })
            .collect::<CliResult<_>>()?
    };
    let opts = enc.options();
    let mut rows = vec![];
    for spec in &specs {
        let t = load(spec, &pattern)?;
        for (path, text) in &inputs {
            let tokens = t
                .encode_with(text, &opts)
                .map_err(|e| Failure(format!("{path}: {e}")))?
                .len();
            rows.push(CountRow {
                path: path.clone(),
                tokenizer: t.name().to_owned(),
                tokens,
                bytes: text.len(),
                chars: text.chars().count(),
            });
        }
    }
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if json {
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
            "{:<pw$}  {:<tw$}  {:>10}  {:>10}  {:>10}  {:>11}  {:>11}\n",
            "file", "tokenizer", "tokens", "bytes", "chars", "bytes/token", "chars/token"
        );
        for r in &rows {
            let per = |x: usize| {
                if r.tokens == 0 {
                    0.0
                } else {
                    x as f64 / r.tokens as f64
                }
            };
            s.push_str(&format!(
                "{:<pw$}  {:<tw$}  {:>10}  {:>10}  {:>10}  {:>11.3}  {:>11.3}\n",
                r.path,
                r.tokenizer,
                r.tokens,
                r.bytes,
                r.chars,
                per(r.bytes),
                per(r.chars)
            ));
        }
        w.write_all(s.as_bytes()).map_err(out_err)?;
    }
    w.flush().map_err(out_err)
}
