//! Writing the adapted shards: each safetensors file again, tensor for tensor in the order of
//! its data, with the embedding matrices grown. Every other tensor is copied from the input
//! file by the kernel (`std::io::copy` between files uses `copy_file_range` on Linux), so no
//! tensor but an embedding matrix passes through this process's memory.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use fairtok_train::Progress;
use safetensors::tensor::{Metadata, TensorInfo};

use crate::checkpoint::{Checkpoint, Embedding, Shard};
use crate::rows::Matrix;
use crate::{Error, OutputInit, Result};

/// The new rows of the embedding matrices.
pub(crate) struct Plan<'a> {
    /// Ids of the base tokenizer: their rows are kept.
    pub(crate) base_ids: usize,
    /// The base ids that spell each new id, from `base_ids` on.
    pub(crate) pieces: &'a [Vec<u32>],
    /// Rows of the adapted matrices.
    pub(crate) rows: usize,
    /// How the output matrix's new rows are made.
    pub(crate) output_init: OutputInit,
}

/// Writes every shard of `ck` into `dir`; returns the bytes of tensor data written.
pub(crate) fn write_shards(
    ck: &Checkpoint,
    plan: &Plan,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<u64> {
    let total: u64 = ck
        .shards
        .iter()
        .enumerate()
        .map(|(i, s)| new_tensors(ck, i, s, plan.rows).1)
        .sum();
    progress.stage("writing", Some(total));
    let mut done = 0u64;
    for (i, shard) in ck.shards.iter().enumerate() {
        write_shard(
            ck,
            i,
            shard,
            plan,
            &dir.join(&shard.file),
            progress,
            &mut done,
        )?;
    }
    progress.finish();
    Ok(total)
}

/// The embedding of `ck` that is `name` in shard `i`, with whether it is the input one.
fn embedding<'c>(ck: &'c Checkpoint, i: usize, name: &str) -> Option<(&'c Embedding, bool)> {
    let is = |e: &Embedding| e.shard == i && e.name == name;
    if is(&ck.input) {
        return Some((&ck.input, true));
    }
    ck.output.as_ref().filter(|e| is(e)).map(|e| (e, false))
}

/// The tensors of shard `i` with their new shapes and offsets, and their data's length.
fn new_tensors(
    ck: &Checkpoint,
    i: usize,
    shard: &Shard,
    rows: usize,
) -> (Vec<(String, TensorInfo)>, u64) {
    let mut at = 0usize;
    let tensors = shard
        .tensors()
        .into_iter()
        .map(|(name, mut info)| {
            // An unchanged tensor keeps its length (packed dtypes included); an embedding is
            // one of the float types, whole bytes per value.
            let mut len = info.data_offsets.1 - info.data_offsets.0;
            if let Some((e, _)) = embedding(ck, i, &name) {
                info.shape = vec![rows, e.width];
                len = rows * e.width * e.float.size();
            }
            info.data_offsets = (at, at + len);
            at += len;
            (name, info)
        })
        .collect();
    (tensors, at as u64)
}

fn write_shard(
    ck: &Checkpoint,
    i: usize,
    shard: &Shard,
    plan: &Plan,
    path: &Path,
    progress: &dyn Progress,
    done: &mut u64,
) -> Result<()> {
    let (tensors, _) = new_tensors(ck, i, shard, plan.rows);
    let meta = Metadata::new(shard.meta.metadata().clone(), tensors.clone())
        .map_err(|e| Error::Unsupported(format!("{}: {e}", shard.path.display())))?;
    let mut header = serde_json::to_vec(&meta).expect("a safetensors header serializes");
    // As safetensors writes it: the data starts 8-byte aligned.
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut input = File::open(&shard.path).map_err(Error::io(&shard.path))?;
    let out = File::create_new(path).map_err(Error::io(path))?;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let w = Error::io(path);
    out.write_all(&(header.len() as u64).to_le_bytes())
        .and_then(|()| out.write_all(&header))
        .map_err(w)?;
    for ((name, old), (_, new)) in shard.tensors().into_iter().zip(&tensors) {
        if progress.cancelled() {
            return Err(Error::Cancelled);
        }
        let (begin, end) = old.data_offsets;
        input
            .seek(SeekFrom::Start(shard.data_start + begin as u64))
            .map_err(Error::io(&shard.path))?;
        let len = (end - begin) as u64;
        match embedding(ck, i, &name) {
            Some((e, is_input)) => {
                let mut data = vec![0u8; len as usize];
                input
                    .read_exact(&mut data)
                    .map_err(Error::io(&shard.path))?;
                let m = Matrix {
                    data: &data,
                    float: e.float,
                    width: e.width,
                };
                let init = if is_input {
                    OutputInit::Mean
                } else {
                    plan.output_init
                };
                write_matrix(&mut out, &m, e.rows, plan, init).map_err(Error::io(path))?;
            }
            None => {
                let copied = std::io::copy(&mut (&mut input).take(len), &mut out)
                    .map_err(Error::io(path))?;
                if copied != len {
                    return Err(Error::checkpoint(
                        &shard.path,
                        format!("{name}: the file ended {} bytes early", len - copied),
                    ));
                }
            }
        }
        *done += (new.data_offsets.1 - new.data_offsets.0) as u64;
        progress.set(*done);
    }
    let file = out.into_inner().map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(Error::io(path))
}

/// Writes the adapted matrix: the old rows, the new ids' rows, the old rows past them (a
/// padded model's unused rows), then zero rows up to `plan.rows`.
fn write_matrix(
    out: &mut impl Write,
    m: &Matrix,
    old_rows: usize,
    plan: &Plan,
    init: OutputInit,
) -> std::io::Result<()> {
    let rb = m.row_bytes();
    out.write_all(&m.data[..plan.base_ids * rb])?;
    let (mut row, mut acc) = (Vec::with_capacity(rb), vec![]);
    for pieces in plan.pieces {
        row.clear();
        match init {
            OutputInit::Mean => m.push_mean(pieces, &mut acc, &mut row),
            OutputInit::First => row.extend_from_slice(m.row(pieces[0] as usize)),
        }
        out.write_all(&row)?;
    }
    let new_end = plan.base_ids + plan.pieces.len();
    if new_end < old_rows {
        out.write_all(&m.data[new_end * rb..old_rows * rb])?;
    }
    let zero = vec![0u8; rb];
    for _ in new_end.max(old_rows)..plan.rows {
        out.write_all(&zero)?;
    }
    Ok(())
}
