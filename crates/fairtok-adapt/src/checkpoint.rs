//! A Hugging Face checkpoint on disk, read without its weights: `config.json`, the shard
//! index (`model.safetensors.index.json`) or the single `model.safetensors`, and the header of
//! every shard (tensor names, dtypes, shapes, offsets). Every shard is checked here, before
//! anything is written: it exists, its header parses, and the file is as long as the header
//! says.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Metadata, TensorInfo};
use serde_json::{Map, Value};

use crate::rows::Float;
use crate::{Error, Result};

/// A JSON object, as `config.json` and the index are.
pub(crate) type JsonObject = Map<String, Value>;

/// The single-file checkpoint's weights.
pub(crate) const SINGLE: &str = "model.safetensors";
/// The shard index of a sharded checkpoint.
pub(crate) const INDEX: &str = "model.safetensors.index.json";

/// Where the input and output embedding matrices are, by the names transformers gives them
/// (Llama, Mistral, Qwen2/3, Gemma: `model.embed_tokens`/`lm_head`; GPT-2: `transformer.wte`;
/// GPT-NeoX: `gpt_neox.embed_in`/`embed_out`).
const INPUT_SUFFIXES: &[&str] = &["embed_tokens.weight", "wte.weight", "embed_in.weight"];
const OUTPUT_NAMES: &[&str] = &["lm_head.weight", "embed_out.weight"];

/// One safetensors file of the checkpoint.
pub(crate) struct Shard {
    /// Its file name, as the index gives it.
    pub(crate) file: String,
    pub(crate) path: PathBuf,
    pub(crate) meta: Metadata,
    /// The offset of the data, past the 8-byte length and the header.
    pub(crate) data_start: u64,
}

impl Shard {
    fn open(dir: &Path, file: &str) -> Result<Shard> {
        let path = dir.join(file);
        let mut f = File::open(&path).map_err(Error::io(&path))?;
        let len = f.metadata().map_err(Error::io(&path))?.len();
        let mut n = [0u8; 8];
        f.read_exact(&mut n)
            .map_err(|_| Error::checkpoint(&path, "shorter than a safetensors header"))?;
        let n = u64::from_le_bytes(n);
        // safetensors' own bound on a header.
        if n > 100_000_000 || 8 + n > len {
            return Err(Error::checkpoint(
                &path,
                format!("the safetensors header says {n} bytes, the file has {len}"),
            ));
        }
        let mut header = vec![0u8; n as usize];
        f.read_exact(&mut header).map_err(Error::io(&path))?;
        let meta: Metadata = serde_json::from_slice(&header).map_err(|e| {
            Error::checkpoint(&path, format!("the safetensors header is invalid: {e}"))
        })?;
        let expected = 8 + n + meta.data_len() as u64;
        if expected != len {
            return Err(Error::checkpoint(
                &path,
                format!("the header describes {expected} bytes, the file has {len} (truncated?)"),
            ));
        }
        Ok(Shard {
            file: file.to_string(),
            path,
            meta,
            data_start: 8 + n,
        })
    }

    /// The tensors in the order of their data.
    pub(crate) fn tensors(&self) -> Vec<(String, TensorInfo)> {
        self.meta
            .offset_keys()
            .into_iter()
            .map(|name| {
                let info = self
                    .meta
                    .info(&name)
                    .expect("offset_keys names tensors")
                    .clone();
                (name, info)
            })
            .collect()
    }
}

/// An embedding matrix of the checkpoint.
pub(crate) struct Embedding {
    /// The index of its shard in [`Checkpoint::shards`].
    pub(crate) shard: usize,
    pub(crate) name: String,
    pub(crate) rows: usize,
    pub(crate) width: usize,
    pub(crate) float: Float,
}

impl Embedding {
    /// Its dtype's safetensors name (`F32`, `F16`, `BF16`).
    pub(crate) fn dtype_name(&self) -> String {
        self.float.name().to_string()
    }
}

/// A checkpoint directory, its weights not read.
pub(crate) struct Checkpoint {
    pub(crate) dir: PathBuf,
    pub(crate) config: Map<String, Value>,
    /// The index document, when the checkpoint is sharded.
    pub(crate) index: Option<Map<String, Value>>,
    pub(crate) shards: Vec<Shard>,
    pub(crate) input: Embedding,
    /// `None` when the output embedding is the input one (tied).
    pub(crate) output: Option<Embedding>,
    /// What `config.json` says of tying (`tie_word_embeddings`, absent: `None`).
    pub(crate) tie_config: Option<bool>,
}

impl Checkpoint {
    pub(crate) fn open(dir: &Path) -> Result<Checkpoint> {
        let config_path = dir.join("config.json");
        let config = read_json(&config_path)?;
        let vocab_size = config
            .get("vocab_size")
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::checkpoint(&config_path, "no integer `vocab_size`"))?
            as usize;
        let tie_config = match config.get("tie_word_embeddings") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(Error::checkpoint(
                    &config_path,
                    format!("`tie_word_embeddings` is {other}, not a boolean"),
                ))
            }
        };
        let (index, files) = shard_files(dir)?;
        let shards = files
            .iter()
            .map(|f| Shard::open(dir, f))
            .collect::<Result<Vec<_>>>()?;
        if let Some(index) = &index {
            check_weight_map(&dir.join(INDEX), index, &shards)?;
        }
        let input = find_embedding(&shards, vocab_size, &config_path, |name| {
            INPUT_SUFFIXES.iter().any(|s| name.ends_with(s))
        })?
        .ok_or_else(|| {
            Error::Unsupported(format!(
                "{}: no input embedding found (a tensor named *{}) of {vocab_size} rows",
                dir.display(),
                INPUT_SUFFIXES.join(" or *")
            ))
        })?;
        let output = find_embedding(&shards, vocab_size, &config_path, |name| {
            OUTPUT_NAMES.contains(&name)
        })?;
        if let Some(out) = &output {
            if out.width != input.width {
                return Err(Error::checkpoint(
                    &shards[out.shard].path,
                    format!(
                        "{} has {} columns, {} has {}",
                        out.name, out.width, input.name, input.width
                    ),
                ));
            }
        } else if tie_config == Some(false) {
            return Err(Error::checkpoint(
                &config_path,
                "`tie_word_embeddings` is false, but no output embedding (lm_head.weight) is stored",
            ));
        }
        Ok(Checkpoint {
            dir: dir.to_path_buf(),
            config,
            index,
            shards,
            input,
            output,
            tie_config,
        })
    }
}

/// Reads a JSON object.
pub(crate) fn read_json(path: &Path) -> Result<Map<String, Value>> {
    let data = std::fs::read(path).map_err(Error::io(path))?;
    match serde_json::from_slice(&data) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::checkpoint(path, "not a JSON object")),
        Err(e) => Err(Error::checkpoint(path, format!("invalid JSON: {e}"))),
    }
}

/// The index (if sharded) and the shard files, sorted by name.
fn shard_files(dir: &Path) -> Result<(Option<JsonObject>, Vec<String>)> {
    let index_path = dir.join(INDEX);
    if !index_path.exists() {
        if !dir.join(SINGLE).exists() {
            return Err(Error::checkpoint(
                dir,
                format!(
                    "neither {SINGLE} nor {INDEX} is there (only safetensors checkpoints are read)"
                ),
            ));
        }
        return Ok((None, vec![SINGLE.to_string()]));
    }
    let index = read_json(&index_path)?;
    let map = index
        .get("weight_map")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::checkpoint(&index_path, "no `weight_map` object"))?;
    let mut files: Vec<String> = vec![];
    for (tensor, file) in map {
        let file = file.as_str().ok_or_else(|| {
            Error::checkpoint(
                &index_path,
                format!("weight_map[{tensor:?}] is not a file name"),
            )
        })?;
        // A shard is a file beside the index, never a path elsewhere.
        if file.contains(['/', '\\']) || file == ".." || file.is_empty() {
            return Err(Error::checkpoint(
                &index_path,
                format!("weight_map[{tensor:?}] = {file:?} is not a file name in the directory"),
            ));
        }
        if !files.iter().any(|f| f == file) {
            files.push(file.to_string());
        }
    }
    files.sort();
    Ok((Some(index), files))
}

/// Every tensor of the shards is in the index, in its shard, and the other way round.
fn check_weight_map(path: &Path, index: &Map<String, Value>, shards: &[Shard]) -> Result<()> {
    let map = index["weight_map"]
        .as_object()
        .expect("checked by shard_files");
    let mut stored: BTreeMap<&str, &str> = BTreeMap::new();
    for shard in shards {
        for name in shard.meta.offset_keys() {
            let Some(file) = map.get(&name).and_then(Value::as_str) else {
                return Err(Error::checkpoint(
                    path,
                    format!("tensor {name} of {} is not in weight_map", shard.file),
                ));
            };
            if file != shard.file {
                return Err(Error::checkpoint(
                    path,
                    format!(
                        "weight_map puts {name} in {file}, but it is in {}",
                        shard.file
                    ),
                ));
            }
            stored.insert(map.get_key_value(&name).expect("present").0, file);
        }
    }
    if let Some(missing) = map.keys().find(|k| !stored.contains_key(k.as_str())) {
        return Err(Error::checkpoint(
            path,
            format!("weight_map names {missing}, which its shard does not hold"),
        ));
    }
    Ok(())
}

/// The one tensor that `is_name` accepts, checked to be a `vocab_size × width` float matrix.
fn find_embedding(
    shards: &[Shard],
    vocab_size: usize,
    config: &Path,
    is_name: impl Fn(&str) -> bool,
) -> Result<Option<Embedding>> {
    let mut found: Vec<(usize, String, TensorInfo)> = vec![];
    for (i, shard) in shards.iter().enumerate() {
        for (name, info) in shard.tensors() {
            if is_name(&name) {
                found.push((i, name, info));
            }
        }
    }
    if found.len() > 1 {
        let names: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        return Err(Error::Unsupported(format!(
            "more than one embedding matrix: {}",
            names.join(", ")
        )));
    }
    let Some((shard, name, info)) = found.pop() else {
        return Ok(None);
    };
    let path = &shards[shard].path;
    let [rows, width] = info.shape[..] else {
        return Err(Error::checkpoint(
            path,
            format!("{name} has shape {:?}, not [rows, columns]", info.shape),
        ));
    };
    let float = Float::of(info.dtype).ok_or_else(|| {
        Error::Unsupported(format!(
            "{}: {name} is {:?}; only F32, F16 and BF16 embeddings are averaged",
            path.display(),
            info.dtype
        ))
    })?;
    if rows != vocab_size {
        return Err(Error::checkpoint(
            path,
            format!(
                "{name} has {rows} rows, but {} says vocab_size {vocab_size}",
                config.display()
            ),
        ));
    }
    Ok(Some(Embedding {
        shard,
        name,
        rows,
        width,
        float,
    }))
}
