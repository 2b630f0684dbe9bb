//! Gives a model the tokens of an extended vocabulary: new rows in its embedding matrices.
//!
//! A vocabulary extended by `fairtok extend` keeps every id of its base and adds new ones
//! after them. A model trained on the base has no rows for the new ids. [`adapt`] writes a
//! copy of a Hugging Face checkpoint (`config.json`, safetensors shards, tokenizer files) in
//! which the input embedding (`embed_tokens`) and, when it is not tied to it, the output
//! embedding (`lm_head`) have a row for every new id, and the extended `tokenizer.json`
//! replaces the old one.
//!
//! # The new rows
//!
//! Each new token is spelled with base tokens: the ids the base tokenizer gives for the
//! token's text, without special tokens. A token that is not UTF-8 on its own (a byte-level
//! token ending inside a character) is merged from its bytes by the base's tokens, ranks
//! taken as ids, as in every byte-level vocabulary `fairtok extend` takes as a base. Either
//! way the pieces' bytes must be the token's bytes, else the token is refused by id.
//! Its input row is the mean of those ids' input rows, as Fast Vocabulary Transfer and
//! EEVE initialise new tokens, so that the model first reads the new token much as it read
//! its pieces. Its output row is, by [`OutputInit`], the mean of the pieces' output rows or
//! the first piece's row (EEVE's choice: the model then predicts the new token where it
//! predicted its first piece). The mean is computed in `f64` and rounded once to `f32`, then
//! to the matrix's type (see `rows`), so that a test can repeat it bit for bit.
//!
//! # What is kept
//!
//! - The rows of the base ids, and every other tensor, byte for byte; dtypes, shard files,
//!   tensor names and the order of the data are those of the input.
//! - A model whose matrix has more rows than its tokenizer has ids (Qwen pads to a multiple
//!   of 128 or more) gives those unused rows to the first new ids; rows beyond both are zero,
//!   as are the rows added to reach a multiple of [`AdaptOptions::pad_to`]. No token has
//!   their ids, so none is ever emitted.
//! - `config.json` gets the new `vocab_size` (written, as transformers writes it, with sorted
//!   keys); the index gets the new `total_size`.
//!
//! # Memory and atomicity
//!
//! Only the embedding matrices pass through memory, one at a time: the peak is about one
//! matrix (an 8B Llama 3 in bf16: 1 GiB), whatever the model's size. The other tensors are
//! copied between files by the kernel. Everything is checked before a byte is written (every
//! shard exists and is as long as its header says, the tokenizer extends the model's, the
//! matrices fit it), and the output is written to a temporary directory beside it, renamed
//! into place at the end: an error, a cancellation or a kill leaves no output directory.

mod checkpoint;
mod error;
mod pieces;
mod rows;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fairtok_core::{LoadOptions, Tokenizer};
use fairtok_train::Progress;
use serde_json::{json, Value};

use checkpoint::{Checkpoint, INDEX};
pub use error::{Error, Result};

/// How the new rows of the output embedding (`lm_head`) are made. The input embedding's new
/// rows are always the mean of the pieces' rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputInit {
    /// The mean of the pieces' output rows (Fast Vocabulary Transfer).
    #[default]
    Mean,
    /// The output row of the first piece (EEVE).
    First,
}

impl OutputInit {
    /// Its name: `mean` or `first`.
    pub fn name(self) -> &'static str {
        match self {
            OutputInit::Mean => "mean",
            OutputInit::First => "first",
        }
    }

    /// The rule of a name ([`OutputInit::name`]).
    pub fn from_name(name: &str) -> Option<OutputInit> {
        match name {
            "mean" => Some(OutputInit::Mean),
            "first" => Some(OutputInit::First),
            _ => None,
        }
    }
}

/// The options of [`adapt`].
#[derive(Debug, Clone)]
pub struct AdaptOptions {
    /// How the output embedding's new rows are made (a tied model has no separate output
    /// rows: [`OutputInit::First`] is then refused).
    pub output_init: OutputInit,
    /// Round the number of rows up to a multiple of this (64 suits GPU kernels); the rows
    /// added are zero and belong to no token. `None` or 1: no rounding.
    pub pad_to: Option<usize>,
    /// A text to count with both tokenizers for the report. Default: the bundled Korean
    /// sample (FLORES-200 dev, 997 sentences).
    pub sample: Option<String>,
}

impl Default for AdaptOptions {
    fn default() -> Self {
        AdaptOptions {
            output_init: OutputInit::Mean,
            pad_to: None,
            sample: fairtok_eval::samples::FLORES_DEV
                .iter()
                .find(|(lang, _)| *lang == "kor_Hang")
                .map(|(_, text)| text.to_string()),
        }
    }
}

/// What [`adapt`] did.
#[derive(Debug, Clone)]
pub struct AdaptReport {
    /// Ids of the model's tokenizer (the base).
    pub base_ids: usize,
    /// Ids the extension adds.
    pub new_ids: usize,
    /// Rows of the embedding matrices before.
    pub old_rows: usize,
    /// Rows after (the new `vocab_size`).
    pub rows: usize,
    /// Rows the model had past its tokenizer's ids (padding) that new ids now use.
    pub reused_rows: usize,
    /// Rows belonging to no token, written as zeros.
    pub zero_rows: usize,
    /// Whether the output embedding is the input one.
    pub tied: bool,
    /// The input embedding's tensor.
    pub input_tensor: String,
    /// The output embedding's tensor, when stored apart.
    pub output_tensor: Option<String>,
    /// How the output's new rows were made (`None` when tied).
    pub output_init: Option<OutputInit>,
    /// The embeddings' dtype (`F32`, `F16`, `BF16`).
    pub dtype: String,
    /// How many new tokens were averaged from how many pieces: pieces → tokens.
    pub pieces: BTreeMap<usize, usize>,
    /// The sample's tokens under the base and the extended tokenizer, if one was given.
    pub sample_tokens: Option<(usize, usize)>,
    /// Bytes of tensor data written.
    pub tensor_bytes: u64,
    /// Files of the model directory written to the output unchanged.
    pub copied: Vec<String>,
    /// Files and directories left out because the new vocabulary makes them stale (a slow
    /// tokenizer's files, weights in other formats).
    pub left_out: Vec<String>,
}

/// The name of the report that [`adapt`] writes into the output directory: the
/// [`AdaptReport`] and, for every new id, its token and the base ids it was averaged from.
pub const REPORT_FILE: &str = "fairtok_adapt.json";

/// Writes to `out_dir` a copy of the checkpoint in `model_dir` that has rows for every id of
/// the `extended` tokenizer (a `tokenizer.json` whose base is `model_dir`'s
/// `tokenizer.json`); see the [crate docs](crate). `out_dir` must not exist, or be empty.
pub fn adapt(
    model_dir: &Path,
    extended: &Path,
    out_dir: &Path,
    opts: &AdaptOptions,
    progress: &dyn Progress,
) -> Result<AdaptReport> {
    let ck = Checkpoint::open(model_dir)?;
    let base = Tokenizer::from_file(&model_dir.join("tokenizer.json"), &LoadOptions::default())?;
    let (ext, ext_json) = load_extended(extended)?;
    let tied = check_fit(&ck, &base, &ext, opts)?;
    let out_parent = check_output(out_dir)?;
    let (base_ids, ext_ids) = (base.n_vocab(), ext.n_vocab());
    let pieces = pieces::pieces(&base, &ext, base_ids as u32..ext_ids as u32)?;
    let sample_tokens = match &opts.sample {
        Some(text) => Some((base.count(text)?, ext.count(text)?)),
        None => None,
    };
    let old_rows = ck.input.rows;
    let plan = write::Plan {
        base_ids,
        pieces: &pieces,
        rows: old_rows
            .max(ext_ids)
            .next_multiple_of(opts.pad_to.unwrap_or(1).max(1)),
        output_init: opts.output_init,
    };

    let tmp = tempfile::Builder::new()
        .prefix(".fairtok-adapt-")
        .tempdir_in(&out_parent)
        .map_err(Error::io(&out_parent))?;
    let tensor_bytes = write::write_shards(&ck, &plan, tmp.path(), progress)?;
    let mut report = AdaptReport {
        base_ids,
        new_ids: pieces.len(),
        old_rows,
        rows: plan.rows,
        reused_rows: old_rows.min(ext_ids).saturating_sub(base_ids),
        zero_rows: plan.rows - old_rows.max(ext_ids),
        tied,
        input_tensor: ck.input.name.clone(),
        output_tensor: ck.output.as_ref().map(|o| o.name.clone()),
        output_init: (!tied).then_some(opts.output_init),
        dtype: ck.input.dtype_name(),
        pieces: pieces.iter().fold(BTreeMap::new(), |mut m, p| {
            *m.entry(p.len()).or_default() += 1;
            m
        }),
        sample_tokens,
        tensor_bytes,
        copied: vec![],
        left_out: vec![],
    };
    write_metadata(&ck, plan.rows, tensor_bytes, &ext_json, tmp.path())?;
    copy_other_files(&ck, tmp.path(), &mut report)?;
    write_report(&report, &ext, &pieces, tmp.path())?;
    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    move_into_place(tmp, out_dir)?;
    Ok(report)
}

/// Checks that the checkpoint can take the extension: the extension keeps every base id, the
/// matrices have a row for each, and the output rule fits the tying. Returns whether the
/// model is tied.
fn check_fit(
    ck: &Checkpoint,
    base: &Tokenizer,
    ext: &Tokenizer,
    opts: &AdaptOptions,
) -> Result<bool> {
    pieces::check_extension(base, ext)?;
    if base.n_vocab() > ck.input.rows {
        return Err(Error::EmbeddingRows {
            path: ck.shards[ck.input.shard].path.clone(),
            tensor: ck.input.name.clone(),
            rows: ck.input.rows,
            tokenizer: base.origin().to_string(),
            ids: base.n_vocab(),
        });
    }
    let tied = ck.output.is_none() || ck.tie_config == Some(true);
    if tied && opts.output_init == OutputInit::First {
        return Err(Error::Unsupported(format!(
            "{}: the model ties its output embedding to its input embedding, whose new rows \
             are means: the output cannot start from the first piece",
            ck.dir.display()
        )));
    }
    Ok(tied)
}

/// Writes [`REPORT_FILE`]: the report and every new token with its pieces.
fn write_report(
    report: &AdaptReport,
    ext: &Tokenizer,
    pieces: &[Vec<u32>],
    dir: &Path,
) -> Result<()> {
    let tokens: Vec<Value> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let id = (report.base_ids + i) as u32;
            let token = String::from_utf8_lossy(ext.token_bytes(id).unwrap_or_default());
            json!({"id": id, "token": token, "pieces": p})
        })
        .collect();
    let mut doc = report.to_json();
    doc["new_tokens"] = Value::Array(tokens);
    write_file(&dir.join(REPORT_FILE), &to_json_bytes(&doc))
}

/// Renames the finished temporary directory to `out_dir` (which is absent or empty).
fn move_into_place(tmp: tempfile::TempDir, out_dir: &Path) -> Result<()> {
    let done = tmp.keep();
    let moved = (|| {
        if out_dir.exists() {
            // An empty directory: rename replaces it.
            std::fs::remove_dir(out_dir)?;
        }
        std::fs::rename(&done, out_dir)
    })();
    moved.map_err(|e| {
        let _ = std::fs::remove_dir_all(&done);
        Error::io(out_dir)(e)
    })
}

impl AdaptReport {
    /// The report as a JSON object (the fields of this type).
    pub fn to_json(&self) -> Value {
        json!({
            "base_ids": self.base_ids,
            "new_ids": self.new_ids,
            "old_rows": self.old_rows,
            "rows": self.rows,
            "reused_rows": self.reused_rows,
            "zero_rows": self.zero_rows,
            "tied": self.tied,
            "input_tensor": self.input_tensor,
            "output_tensor": self.output_tensor,
            "output_init": self.output_init.map(OutputInit::name),
            "dtype": self.dtype,
            "pieces": self.pieces.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "sample_tokens": self.sample_tokens.map(|(b, e)| json!({"base": b, "extended": e})),
            "tensor_bytes": self.tensor_bytes,
            "copied": self.copied,
            "left_out": self.left_out,
        })
    }
}

/// The extended tokenizer and its `tokenizer.json` document (written to the output as is).
fn load_extended(path: &Path) -> Result<(Tokenizer, Vec<u8>)> {
    let data = std::fs::read(path).map_err(Error::io(path))?;
    if !data.trim_ascii_start().starts_with(b"{") {
        return Err(Error::Unsupported(format!(
            "{}: not a tokenizer.json; the adapted checkpoint needs the extension in Hugging \
             Face's format (fairtok extend writes it)",
            path.display()
        )));
    }
    let origin = path.display().to_string();
    let t = Tokenizer::from_tokenizer_json(&data, &origin, &origin)?;
    Ok((t, data))
}

/// Checks that `out` is absent or an empty directory; returns the directory it goes in.
fn check_output(out: &Path) -> Result<PathBuf> {
    if out.exists() {
        let empty = out.is_dir()
            && std::fs::read_dir(out)
                .map_err(Error::io(out))?
                .next()
                .is_none();
        if !empty {
            return Err(Error::OutputExists {
                path: out.to_path_buf(),
            });
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::Io {
            path: parent,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        });
    }
    Ok(parent)
}

/// `config.json` with the new `vocab_size`, the index with the new `total_size`, and the
/// extended `tokenizer.json`.
fn write_metadata(
    ck: &Checkpoint,
    rows: usize,
    tensor_bytes: u64,
    tokenizer_json: &[u8],
    dir: &Path,
) -> Result<()> {
    let mut config = ck.config.clone();
    config.insert("vocab_size".into(), json!(rows));
    write_file(
        &dir.join("config.json"),
        &to_json_bytes(&Value::Object(config)),
    )?;
    if let Some(index) = &ck.index {
        let mut index = index.clone();
        let meta = index.entry("metadata").or_insert_with(|| json!({}));
        if let Value::Object(m) = meta {
            m.insert("total_size".into(), json!(tensor_bytes));
        }
        write_file(&dir.join(INDEX), &to_json_bytes(&Value::Object(index)))?;
    }
    write_file(&dir.join("tokenizer.json"), tokenizer_json)
}

/// Files that an extended vocabulary makes stale: a slow tokenizer's files and weights in
/// formats this step does not rewrite.
fn is_stale(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "vocab.json",
        "merges.txt",
        "tokenizer.model",
        "vocab.txt",
        "tokenizer.tiktoken",
    ];
    const SUFFIXES: &[&str] = &[
        ".bin",
        ".pt",
        ".pth",
        ".gguf",
        ".safetensors",
        ".h5",
        ".msgpack",
        ".ckpt",
        ".bin.index.json",
        ".safetensors.index.json",
    ];
    NAMES.contains(&name) || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Copies the model directory's other files (generation config, tokenizer config, chat
/// template, licence, ...) and lists what is left out.
fn copy_other_files(ck: &Checkpoint, dir: &Path, report: &mut AdaptReport) -> Result<()> {
    let written = ["config.json", "tokenizer.json", INDEX];
    let entries = std::fs::read_dir(&ck.dir).map_err(Error::io(&ck.dir))?;
    let mut names = vec![];
    for entry in entries {
        let entry = entry.map_err(Error::io(&ck.dir))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    for name in names {
        let from = ck.dir.join(&name);
        let is_shard = ck.shards.iter().any(|s| s.file == name);
        if written.contains(&name.as_str()) || is_shard {
            continue;
        }
        // Follows symbolic links, as a Hugging Face cache snapshot is made of them.
        if !from.is_file() || is_stale(&name) {
            report.left_out.push(name);
            continue;
        }
        std::fs::copy(&from, dir.join(&name)).map_err(Error::io(&from))?;
        report.copied.push(name);
    }
    Ok(())
}

fn to_json_bytes(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("a JSON value serializes");
    out.push(b'\n');
    out
}

fn write_file(path: &Path, data: &[u8]) -> Result<()> {
    std::fs::write(path, data).map_err(Error::io(path))
}
