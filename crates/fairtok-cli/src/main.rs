//! `fairtok`: encode, decode, count and inspect tokenizers, exactly as their reference libraries.
//!
//! This file holds argument parsing and printing only; everything a library user would need is
//! a call into `fairtok-core`.

mod samples;

use std::io::{self, BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use fairtok_core::{EncodeOptions, Format, LoadOptions, Specials, Tokenizer};

/// Measure and cut what non-English text costs in tokens.
///
/// A tokenizer SPEC is a built-in name (cl100k_base, o200k_base, r50k_base, p50k_base,
/// p50k_edit, gpt2), a model name as tiktoken maps it (gpt-4, gpt-4o, o3, ...), or the path of a
/// `.tiktoken` rank file or a Hugging Face `tokenizer.json` (optionally gzipped).
#[derive(Parser)]
#[command(name = "fairtok", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Encode text to token ids.
    ///
    /// Without --jsonl the whole input (bytes as they are, newlines included) is one text and
    /// the ids are printed on one line, separated by spaces. With --jsonl every input line is a
    /// JSON object with a "text" field and one JSON array of ids is printed per line.
    Encode {
        #[command(flatten)]
        tok: TokArgs,
        #[command(flatten)]
        enc: EncArgs,
        /// Read JSON lines ({"text": ...}) and print one JSON array of ids per line.
        #[arg(long)]
        jsonl: bool,
        /// Input file, or - for standard input.
        #[arg(default_value = "-")]
        file: PathBuf,
    },
    /// Decode token ids to bytes.
    ///
    /// Without --jsonl the input is whitespace-separated ids and the decoded bytes are written
    /// as they are. With --jsonl every line is a JSON array of ids and {"text": ...} is printed.
    Decode {
        #[command(flatten)]
        tok: TokArgs,
        /// Read one JSON array of ids per line and print {"text": ...} per line.
        #[arg(long)]
        jsonl: bool,
        /// With --jsonl, replace bytes that are not valid UTF-8 with U+FFFD instead of failing.
        #[arg(long)]
        lossy: bool,
        /// Input file, or - for standard input.
        #[arg(default_value = "-")]
        file: PathBuf,
    },
    /// Count tokens, bytes and characters per file and tokenizer.
    ///
    /// Without files, counts the bundled FLORES-200 dev sample (Korean and English). Without -t,
    /// uses every default built-in tokenizer.
    Count {
        /// Tokenizers, comma-separated (default: cl100k_base,o200k_base,r50k_base,p50k_base).
        #[arg(short = 't', long = "tokenizer", value_delimiter = ',')]
        tokenizers: Vec<String>,
        /// Pre-tokenizer pattern for .tiktoken files: cl100k, o200k, r50k, p50k, llama3, qwen3 or a regex.
        #[arg(long)]
        pattern: Option<String>,
        #[command(flatten)]
        enc: EncArgs,
        /// Print {"files": [{"path", "tokenizer", "tokens", "bytes", "chars"}]} instead of a table.
        #[arg(long)]
        json: bool,
        /// Files to count (default: the bundled sample).
        files: Vec<PathBuf>,
    },
    /// Show a tokenizer's vocabulary size, special tokens, pattern and origin.
    Info {
        #[command(flatten)]
        tok: TokArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct TokArgs {
    /// Tokenizer: a built-in name, a model name, or a path.
    #[arg(short = 't', long = "tokenizer")]
    tokenizer: String,
    /// Pre-tokenizer pattern for .tiktoken files: cl100k, o200k, r50k, p50k, llama3, qwen3 or a regex.
    #[arg(long)]
    pattern: Option<String>,
}

#[derive(Args)]
struct EncArgs {
    /// Special tokens written in the text: all, none, or a comma-separated list. Default: none
    /// for tiktoken tokenizers (encode_ordinary), all added tokens for tokenizer.json (as HF).
    #[arg(long)]
    special: Option<String>,
    /// Add the post-processor's special tokens (BOS/EOS) of a tokenizer.json.
    #[arg(long)]
    add_special: bool,
    /// Replace invalid UTF-8 in the input with U+FFFD instead of failing.
    #[arg(long)]
    lossy: bool,
}

impl EncArgs {
    fn options(&self) -> EncodeOptions {
        let specials = match self.special.as_deref() {
            None => Specials::Default,
            Some("all") => Specials::All,
            Some("none") => Specials::None,
            Some(list) => Specials::Only(list.split(',').map(str::to_owned).collect()),
        };
        EncodeOptions {
            specials,
            add_special: self.add_special,
        }
    }
}

/// A failure to report: one line on standard error, then a non-zero exit.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

type CliResult<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) if msg == BROKEN_PIPE => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            eprintln!("fairtok: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

const BROKEN_PIPE: &str = "\0broken pipe";

/// Maps write errors: a closed pipe (`fairtok ... | head`) ends quietly.
fn out_err(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure(BROKEN_PIPE.into())
    } else {
        Failure(format!("writing output: {e}"))
    }
}

fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Encode {
            tok,
            enc,
            jsonl,
            file,
        } => encode(&tok, &enc, jsonl, &file),
        Command::Decode {
            tok,
            jsonl,
            lossy,
            file,
        } => decode(&tok, jsonl, lossy, &file),
        Command::Count {
            tokenizers,
            pattern,
            enc,
            json,
            files,
        } => count(tokenizers, pattern, &enc, json, files),
        Command::Info { tok, json } => info(&tok, json),
    }
}

fn load(spec: &str, pattern: &Option<String>) -> CliResult<Tokenizer> {
    Ok(Tokenizer::load(
        spec,
        &LoadOptions {
            pattern: pattern.clone(),
        },
    )?)
}

fn display(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

fn read_input(path: &std::path::Path) -> CliResult<Vec<u8>> {
    let mut buf = vec![];
    if path.as_os_str() == "-" {
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Failure(format!("<stdin>: {e}")))?;
    } else {
        buf = std::fs::read(path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    }
    Ok(buf)
}

/// Checks UTF-8, naming the first bad byte offset; with `lossy`, replaces bad bytes instead.
fn text_of(bytes: Vec<u8>, name: &str, lossy: bool) -> CliResult<String> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(e) => Err(Failure(format!(
            "{name}: invalid UTF-8 at byte offset {} (use --lossy to replace it with U+FFFD)",
            e.utf8_error().valid_up_to()
        ))),
    }
}

fn write_ids(w: &mut impl Write, ids: &[u32]) -> io::Result<()> {
    let mut line = String::with_capacity(ids.len() * 7);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(&id.to_string());
    }
    line.push('\n');
    w.write_all(line.as_bytes())
}

fn encode(tok: &TokArgs, enc: &EncArgs, jsonl: bool, file: &std::path::Path) -> CliResult {
    let t = load(&tok.tokenizer, &tok.pattern)?;
    let opts = enc.options();
    let name = display(file);
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if !jsonl {
        let text = text_of(read_input(file)?, &name, enc.lossy)?;
        let ids = t.encode_with(&text, &opts)?;
        write_ids(&mut w, &ids).map_err(out_err)?;
        return w.flush().map_err(out_err);
    }
    for_each_line(file, |lineno, line| {
        let line = text_of(line, &format!("{name}:{lineno}"), enc.lossy)?;
        let v: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| Failure(format!("{name}:{lineno}: not a JSON object: {e}")))?;
        let text = v
            .get("text")
            .and_then(|t| t.as_str())
            .ok_or_else(|| Failure(format!("{name}:{lineno}: no string field \"text\"")))?;
        let ids = t
            .encode_with(text, &opts)
            .map_err(|e| Failure(format!("{name}:{lineno}: {e}")))?;
        serde_json::to_writer(&mut w, &ids).map_err(|e| out_err(e.into()))?;
        w.write_all(b"\n").map_err(out_err)
    })?;
    w.flush().map_err(out_err)
}

/// Calls `f(line_number, line_bytes)` for each line (without its `\n` or `\r\n`).
fn for_each_line(
    file: &std::path::Path,
    mut f: impl FnMut(usize, Vec<u8>) -> CliResult,
) -> CliResult {
    let name = display(file);
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(io::BufReader::new(io::stdin()))
    } else {
        Box::new(io::BufReader::new(
            std::fs::File::open(file).map_err(|e| Failure(format!("{name}: {e}")))?,
        ))
    };
    for (i, line) in reader.split(b'\n').enumerate() {
        let mut line = line.map_err(|e| Failure(format!("{name}: {e}")))?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        f(i + 1, line)?;
    }
    Ok(())
}

fn decode(tok: &TokArgs, jsonl: bool, lossy: bool, file: &std::path::Path) -> CliResult {
    let t = load(&tok.tokenizer, &tok.pattern)?;
    let name = display(file);
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if !jsonl {
        let input = read_input(file)?;
        let mut ids = vec![];
        let mut offset = 0;
        for word in input.split(|b| b.is_ascii_whitespace()) {
            if !word.is_empty() {
                let id: u64 = std::str::from_utf8(word)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| {
                        Failure(format!(
                            "{name}: byte offset {offset}: {:?} is not a token id",
                            String::from_utf8_lossy(word)
                        ))
                    })?;
                ids.push(
                    checked_id(id, ids.len(), &t)
                        .map_err(|Failure(m)| Failure(format!("{name}: {m}")))?,
                );
            }
            offset += word.len() + 1;
        }
        let bytes = t
            .decode_bytes(&ids)
            .map_err(|e| Failure(format!("{name}: {e}")))?;
        w.write_all(&bytes).map_err(out_err)?;
        return w.flush().map_err(out_err);
    }
    for_each_line(file, |lineno, line| {
        let ids: Vec<u64> = serde_json::from_slice(&line).map_err(|e| {
            Failure(format!(
                "{name}:{lineno}: not a JSON array of token ids: {e}"
            ))
        })?;
        let ids = ids
            .into_iter()
            .enumerate()
            .map(|(i, id)| checked_id(id, i, &t))
            .collect::<CliResult<Vec<u32>>>()
            .map_err(|Failure(m)| Failure(format!("{name}:{lineno}: {m}")))?;
        let bytes = t
            .decode_bytes(&ids)
            .map_err(|e| Failure(format!("{name}:{lineno}: {e}")))?;
        let text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) if lossy => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            Err(e) => {
                return Err(Failure(format!(
                    "{name}:{lineno}: the decoded bytes are not valid UTF-8 at byte offset {} (use --lossy, or decode without --jsonl to get the raw bytes)",
                    e.utf8_error().valid_up_to()
                )))
            }
        };
        serde_json::to_writer(&mut w, &serde_json::json!({ "text": text }))
            .map_err(|e| out_err(e.into()))?;
        w.write_all(b"\n").map_err(out_err)
    })?;
    w.flush().map_err(out_err)
}

/// Rejects ids beyond `u32` with the same message as an id beyond the vocabulary.
fn checked_id(id: u64, position: usize, t: &Tokenizer) -> CliResult<u32> {
    if id < t.n_vocab() as u64 {
        Ok(id as u32)
    } else {
        Err(Failure(
            fairtok_core::Error::UnknownId {
                id,
                position,
                tokenizer: t.name().to_owned(),
                n_vocab: t.n_vocab(),
            }
            .to_string(),
        ))
    }
}

#[derive(serde::Serialize)]
struct CountRow {
    path: String,
    tokenizer: String,
    tokens: usize,
    bytes: usize,
    chars: usize,
}

fn count(
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

fn info(tok: &TokArgs, json: bool) -> CliResult {
    let t = load(&tok.tokenizer, &tok.pattern)?;
    let specials = t.special_tokens();
    let format = match t.format() {
        Format::Tiktoken => "tiktoken",
        Format::HuggingFace => "tokenizer.json",
    };
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if json {
        let v = serde_json::json!({
            "name": t.name(),
            "format": format,
            "origin": t.origin(),
            "n_vocab": t.n_vocab(),
            "special_tokens": specials.iter().map(|(s, i)| serde_json::json!({"token": s, "id": i})).collect::<Vec<_>>(),
            "added_tokens_not_special": t.added_non_special(),
            "pattern": t.pattern(),
        });
        serde_json::to_writer_pretty(&mut w, &v).map_err(|e| out_err(e.into()))?;
        w.write_all(b"\n").map_err(out_err)?;
    } else {
        let mut s = String::new();
        s.push_str(&format!("name:            {}\n", t.name()));
        s.push_str(&format!("format:          {format}\n"));
        s.push_str(&format!("origin:          {}\n", t.origin()));
        s.push_str(&format!(
            "n_vocab:         {} (ids 0..{})\n",
            t.n_vocab(),
            t.n_vocab()
        ));
        s.push_str(&format!("special tokens:  {}\n", specials.len()));
        const SHOW: usize = 16;
        for (tok, id) in specials.iter().take(SHOW) {
            s.push_str(&format!("  {id:>8}  {tok}\n"));
        }
        if specials.len() > SHOW {
            s.push_str(&format!(
                "  ... and {} more (--json lists all)\n",
                specials.len() - SHOW
            ));
        }
        if t.added_non_special() > 0 {
            s.push_str(&format!("other added tokens: {}\n", t.added_non_special()));
        }
        s.push_str(&format!(
            "pattern:         {}\n",
            t.pattern().unwrap_or("(none)")
        ));
        w.write_all(s.as_bytes()).map_err(out_err)?;
    }
    w.flush().map_err(out_err)
}
