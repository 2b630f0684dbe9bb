//! `fairtok`: encode, decode, count and inspect tokenizers, exactly as their reference libraries;
//! measure the premium of languages; train, extend and export vocabularies.
//!
//! The command line is a front end: each command parses its arguments, makes one call into
//! the libraries (`fairtok-core` to encode, `fairtok-eval` to measure, `fairtok-train` to
//! count, train and extend), and prints the result. Library errors that concern an option are
//! typed ([`fairtok_core::Setting`]) and named here by their flag ([`flag`]).

// The doc comments of the argument structs are clap's help text, written for a terminal
// (`<lang>.<ext>`, `[,PATH...]`), not rustdoc markup.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

mod adapt;
mod count;
mod count_pretokens;
mod decode;
mod encode;
mod extend;
mod info;
mod input;
mod parity;
mod serve;
mod tax;
mod train;

use std::io::{self, BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use fairtok_core::task::Task;
use fairtok_core::{EncodeOptions, LoadOptions, Specials, Tokenizer};

/// Measure and cut what non-English text costs in tokens.
///
/// A tokenizer SPEC is a built-in name (cl100k_base, o200k_base, o200k_ko, r50k_base,
/// p50k_base, p50k_edit, gpt2), a model name as tiktoken maps it (gpt-4, gpt-4o, o3, ...), or the
/// path of a `.tiktoken` rank file or a Hugging Face `tokenizer.json` (optionally gzipped).
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
    Count(count::CountArgs),
    /// Measure the token premium of each language against a pivot, on a parallel corpus.
    ///
    /// Every line is encoded on its own. Per tokenizer and language: tokens, premium
    /// (tokens / pivot tokens), mean per-line premium, bytes, characters and words per token,
    /// cost with --price; per tokenizer, the Gini coefficient across languages. Without
    /// arguments: every default built-in tokenizer on the bundled FLORES-200 dev sample.
    Parity(parity::ParityArgs),
    /// The token-tax table: many tokenizers side by side on a parallel corpus, as Markdown and
    /// a self-contained HTML page.
    ///
    /// Per tokenizer: vocabulary size, the Korean, Japanese and Chinese premium, the five
    /// languages with the highest premium, and the Gini coefficient of the premiums across all
    /// languages; sorted by Korean premium. With --list, a tokenizer that does not load is listed
    /// with fairtok's reason instead of failing (scripts/token-tax.sh makes docs/token-tax.*).
    TokenTax(tax::TaxArgs),
    /// Train a byte-level BPE vocabulary (tokenizer.json or .tiktoken) on text files.
    ///
    /// Files are streamed (plain, .gz, .zst, JSON lines, Parquet, directories), pre-tokenized
    /// with the same engine as encoding, counted in parallel, and merged with incremental pair
    /// counts.
    Train(train::TrainArgs),
    /// Add tokens to an existing vocabulary (continued BPE), keeping every existing id.
    ///
    /// New tokens all contain a character of the target script, so text without one encodes
    /// exactly as under the base; they take the ids after the highest id in use.
    Extend(extend::ExtendArgs),
    /// Write a tokenizer as tokenizer.json or .tiktoken (+ sidecar) with the same ids, e.g.
    /// the built-in o200k_ko for Hugging Face tokenizers and transformers.
    Export(extend::ExportArgs),
    /// Give a Hugging Face checkpoint rows for the new tokens of an extended vocabulary.
    ///
    /// Each new input-embedding row is the mean of the rows of the base tokens that spell the
    /// token; every other row and tensor is copied byte for byte, and config.json,
    /// tokenizer.json and the shard index are updated. The output loads in transformers.
    Adapt(adapt::AdaptArgs),
    /// Count the pre-tokens of a corpus into a mergeable Parquet counts file.
    ///
    /// Columns piece (large_binary) and count (int64), the language tag and the pattern (with
    /// its hash) in the file metadata; `train --counts` merges such files.
    CountPretokens(count_pretokens::CountArgs),
    /// Serve token counts over HTTP (JSON API, metrics) with a playground page at /.
    ///
    /// Prints `listening on http://ADDR` once it accepts connections; SIGTERM or Ctrl-C stops
    /// accepting and lets requests in flight finish. The API is in the README.
    Serve(serve::ServeArgs),
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
pub(crate) struct TokArgs {
    /// Tokenizer: a built-in name, a model name, or a path.
    #[arg(short = 't', long = "tokenizer")]
    pub tokenizer: String,
    /// Pre-tokenizer pattern for .tiktoken files: cl100k, o200k, r50k, p50k, llama3, qwen3 or a regex.
    #[arg(long)]
    pub pattern: Option<String>,
    /// Lower-case (and strip accents from) the text for a WordPiece vocab.txt (BERT uncased).
    #[arg(long)]
    pub lowercase: bool,
}

#[derive(Args)]
pub(crate) struct EncArgs {
    /// Special tokens written in the text: all, none, or a comma-separated list. Default: none
    /// for tiktoken tokenizers (encode_ordinary), all added tokens for tokenizer.json (as HF).
    #[arg(long)]
    pub special: Option<String>,
    /// Add the post-processor's special tokens (BOS/EOS) of a tokenizer.json (a tekken file: BOS).
    #[arg(long)]
    pub add_special: bool,
    /// Replace invalid UTF-8 in the input with U+FFFD instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Threads for large inputs (default and maximum: all cores). The ids are the same for any
    /// number.
    #[arg(long)]
    pub threads: Option<usize>,
}

impl EncArgs {
    /// The number of threads to use (capped at the cores: [`fairtok_core::threads_cap`]).
    pub(crate) fn threads(&self) -> usize {
        fairtok_core::threads_cap(self.threads.unwrap_or(usize::MAX))
    }

    /// Whether the default encoding rule applies (so the parallel and counting paths may be used).
    pub(crate) fn is_default(&self) -> bool {
        self.special.is_none() && !self.add_special
    }

    pub(crate) fn options(&self) -> EncodeOptions {
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
pub(crate) struct Failure(pub String);

impl From<fairtok_core::Error> for Failure {
    fn from(e: fairtok_core::Error) -> Self {
        Failure(e.message_with(&|s| flag(s).to_owned()))
    }
}

impl From<fairtok_train::TrainError> for Failure {
    fn from(e: fairtok_train::TrainError) -> Self {
        Failure(e.message_with(&|s| flag(s).to_owned()))
    }
}

impl From<fairtok_eval::Error> for Failure {
    fn from(e: fairtok_eval::Error) -> Self {
        Failure(e.to_string())
    }
}

/// The command-line flag of a library option (an option with no flag of its own is named
/// by the flag that sets it, or by its library name).
pub(crate) fn flag(s: fairtok_core::Setting) -> &'static str {
    use fairtok_core::Setting as S;
    match s {
        S::Pattern => "--pattern",
        S::AddSpecial => "--add-special",
        S::Specials => "--special",
        S::VocabSize => "--vocab-size",
        S::MaxTokenBytes => "--max-token-bytes",
        S::MaxPieces => "--max-pieces",
        S::TextField => "--text-field",
        S::Strict => "--strict",
        S::Inputs => "--input",
        S::Counts => "--counts",
        S::Script => "--script",
        S::Format => "--format",
        S::Output => "--output",
        S::ParityDev => "--parity-dev",
        S::Pivot => "--pivot",
        S::ParityHybrid => "--parity-hybrid",
        S::ParityWindow => "--parity-window",
        S::ParityWindowMax => "--parity-window-max",
        S::ParityExclude => "--parity-exclude",
        S::Add => "--add",
        S::PieceBias => "--piece-bias",
        S::WholePieces => "--whole-pieces",
        S::Threads => "--threads",
        S::MinFrequency => "--min-frequency",
        S::Base => "--tokenizer",
        S::Price => "--price",
        S::Lowercase => "--lowercase",
        _ => s.name(),
    }
}

pub(crate) type CliResult<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Rust's standard output ignores writes to a closed descriptor (EBADF), so `fairtok ...
    // >&-` would exit 0 with its output lost: every command writes its result or summary
    // there, so a closed standard output is an error before anything runs.
    if !stdout_is_open() {
        eprintln!("fairtok: error: standard output is closed: the output would be lost");
        return ExitCode::FAILURE;
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) if msg == BROKEN_PIPE => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            // The library bounds what its errors quote; the command's own messages too.
            eprintln!("fairtok: error: {}", fairtok_core::bounded(&msg));
            ExitCode::FAILURE
        }
    }
}

/// Whether standard output is open. Rust's runtime reopens a closed descriptor 1 on
/// `/dev/null` (read-write) before `main`, so writes would succeed and be lost: a standard
/// output that is `/dev/null` opened read-write is taken as closed (a shell's `>/dev/null`
/// opens it write-only).
fn stdout_is_open() -> bool {
    #[cfg(target_os = "linux")]
    {
        let on_null = std::fs::read_link("/proc/self/fd/1")
            .is_ok_and(|p| p == std::path::Path::new("/dev/null"));
        if !on_null {
            return true;
        }
        let flags = std::fs::read_to_string("/proc/self/fdinfo/1")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            });
        // O_ACCMODE is 3, O_RDWR 2.
        !matches!(flags, Some(f) if f & 3 == 2)
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

const BROKEN_PIPE: &str = "\0broken pipe";

/// Maps write errors: a closed pipe (`fairtok ... | head`) ends quietly.
pub(crate) fn out_err(e: io::Error) -> Failure {
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
        } => encode::run(&tok, &enc, jsonl, &file),
        Command::Decode {
            tok,
            jsonl,
            lossy,
            file,
        } => decode::run(&tok, jsonl, lossy, &file),
        Command::Count(args) => count::run(args),
        Command::Parity(args) => parity::run(args),
        Command::TokenTax(args) => tax::run(args),
        Command::Train(args) => train::run(args),
        Command::Extend(args) => extend::run(args),
        Command::Export(args) => extend::export(args),
        Command::Adapt(args) => adapt::run(args),
        Command::CountPretokens(args) => count_pretokens::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Info { tok, json } => info::run(&tok, json),
    }
}

pub(crate) fn load(spec: &str, pattern: &Option<String>, lowercase: bool) -> CliResult<Tokenizer> {
    Ok(Tokenizer::load(
        spec,
        &LoadOptions {
            pattern: pattern.clone(),
            lowercase,
        },
    )?)
}

pub(crate) fn display(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

pub(crate) fn read_input(path: &std::path::Path) -> CliResult<Vec<u8>> {
    let (name, mut reader, size): (String, Box<dyn Read>, u64) = if path.as_os_str() == "-" {
        ("<stdin>".into(), Box::new(io::stdin().lock()), 0)
    } else {
        let name = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| Failure(format!("{name}: {e}")))?;
        let size = f.metadata().map_or(0, |m| m.len());
        (name, Box::new(f), size)
    };
    // Memory that cannot be had is an error naming the input, not an abort.
    let too_big = |len: usize| {
        Failure(format!(
            "{name}: {len} bytes of input do not fit in memory (split the input into lines or files)"
        ))
    };
    let mut buf: Vec<u8> = Vec::new();
    let want = usize::try_from(size).unwrap_or(usize::MAX);
    buf.try_reserve_exact(want.saturating_add(1))
        .map_err(|_| too_big(want))?;
    loop {
        let spare = buf.capacity() - buf.len();
        if spare == 0 {
            let more = buf.capacity().max(1 << 16);
            buf.try_reserve(more)
                .map_err(|_| too_big(buf.len().saturating_add(more)))?;
            continue;
        }
        // Reads into the reserved room only: `read_to_end` never grows `buf` past it.
        let n = (&mut reader)
            .take(spare as u64)
            .read_to_end(&mut buf)
            .map_err(|e| Failure(format!("{name}: {e}")))?;
        if n < spare {
            return Ok(buf);
        }
    }
}

/// Checks UTF-8, naming the first bad byte offset; with `lossy`, replaces bad bytes instead.
pub(crate) fn text_of(bytes: Vec<u8>, name: &str, lossy: bool) -> CliResult<String> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(e) => Err(Failure(format!(
            "{name}: invalid UTF-8 at byte offset {} (use --lossy to replace it with U+FFFD)",
            e.utf8_error().valid_up_to()
        ))),
    }
}

/// Appends the decimal digits of `id` to `out`.
fn push_decimal(out: &mut Vec<u8>, mut id: u32) {
    let mut digits = [0u8; 10];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (id % 10) as u8;
        id /= 10;
        if id == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[k..]);
}

/// The ids separated by spaces (with a space first unless they are the `first` of the line);
/// large outputs are formatted on up to `threads` threads (the bytes are the same for any
/// number).
pub(crate) fn write_ids_parallel(
    w: &mut impl Write,
    ids: &[u32],
    first: bool,
    threads: usize,
) -> io::Result<()> {
    let format = |part: &[u32], first: bool| {
        let mut out = Vec::with_capacity(part.len() * 7);
        for (i, &id) in part.iter().enumerate() {
            if i > 0 || !first {
                out.push(b' ');
            }
            push_decimal(&mut out, id);
        }
        out
    };
    let parts = if ids.len() < 1 << 18 {
        1
    } else {
        threads.max(1)
    };
    let chunk = ids.len().div_ceil(parts).max(1);
    let bufs: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .enumerate()
            .map(|(k, part)| Task::spawn(s, move || format(part, first && k == 0)))
            .collect();
        handles.into_iter().map(Task::join).collect()
    });
    for b in &bufs {
        w.write_all(b)?;
    }
    Ok(())
}

/// Calls `f(line_number, line_bytes)` for each line (without its `\n` or `\r\n`).
pub(crate) fn for_each_line(
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
