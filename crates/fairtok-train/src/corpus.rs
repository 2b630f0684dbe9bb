//! Corpus readers: plain text, gzip, zstd, JSON lines, directories.
//!
//! An [`Input`] is a language tag with one or more paths. [`expand`] turns inputs into
//! [`Source`]s, one per file (directories are walked recursively, in sorted order, so the same
//! input always gives the same file order). A source is read as a stream of **records**:
//!
//! * plain text: one record per line, the line ending kept (as Hugging Face's trainer reads
//!   files), so newlines are counted as the encoder will see them;
//! * JSON lines (`.jsonl`, `.ndjson`, `.json`, before any compression suffix): one record per
//!   line, the string in the text field (`CountOptions::text_field`, default `text`);
//! * Parquet (`.parquet`): one record per non-null value of the text column (`CountOptions::text_field`,
//!   default `text`), a string or large string column, as Hugging Face datasets publish them;
//! * compression is detected by the magic bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), whatever the
//!   file is called.
//!
//! Records are read in batches of about [`BATCH_BYTES`] and handed to the counting workers, so
//! a reader holds at most a few batches in memory, never the corpus. A record is held whole
//! while it is counted (its pre-tokens may span it), so a record longer than
//! [`MAX_RECORD_BYTES`] is refused with an error naming its file and line, before more of it
//! is read: one batch is then at most `BATCH_BYTES + MAX_RECORD_BYTES`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{Result, TrainError};

/// The size of a batch of records handed to a counting worker.
pub const BATCH_BYTES: usize = 1 << 20;

/// The longest record (line, JSON text field or Parquet value) that is counted: 64 MiB. Longer
/// ones are an error (see the module docs); split them into lines.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

fn too_long(path: &Path, line: u64) -> TrainError {
    TrainError::Record {
        path: path.to_owned(),
        line,
        reason: format!(
            "record longer than {} MiB: a record is held whole while it is counted; split it into lines",
            MAX_RECORD_BYTES >> 20
        ),
    }
}

/// One input of files: a language tag and its files or directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The language tag (for example `kor_Hang` or `ko`), kept with the counts.
    pub lang: String,
    /// Files or directories.
    pub paths: Vec<PathBuf>,
}

impl Input {
    /// Parses `LANG=PATH[,PATH...]` as [`crate::InputSpec::parse`] does; a weight other than 1
    /// is refused (an `Input` has none).
    pub fn parse(spec: &str) -> Result<Input> {
        let i = crate::InputSpec::parse(spec)?;
        match i.source {
            crate::TextSource::Files(paths) if i.weight == 1.0 => Ok(Input {
                lang: i.lang,
                paths,
            }),
            _ => Err(TrainError::invalid(
                crate::Setting::Inputs,
                format!("{spec:?}: expected LANG=PATH[,PATH...] (no weight)"),
            )),
        }
    }
}

/// How the records of a file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// One record per line, line ending included.
    Lines,
    /// One JSON object per line; the record is its text field.
    Jsonl,
    /// A Parquet file; each non-null value of the text column is a record.
    Parquet,
}

/// One file to read, with the index of its input's language.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file.
    pub path: PathBuf,
    /// Index into the language list given to [`expand`]'s caller (the order of first
    /// appearance of each tag).
    pub lang: usize,
    /// How its records are laid out.
    pub kind: RecordKind,
    /// Its size on disk, in bytes (for progress).
    pub size: u64,
}

/// Expands inputs into files: directories recursively (sorted, hidden entries skipped), each
/// file once. Returns the distinct language tags (in order of first appearance) and the sources.
/// A path that does not exist or cannot be read is an error naming it.
pub fn expand(inputs: &[Input]) -> Result<(Vec<String>, Vec<Source>)> {
    let mut langs: Vec<String> = vec![];
    let mut out = vec![];
    for input in inputs {
        let lang = match langs.iter().position(|l| *l == input.lang) {
            Some(i) => i,
            None => {
                langs.push(input.lang.clone());
                langs.len() - 1
            }
        };
        for p in &input.paths {
            walk(p, lang, &mut out)?;
        }
    }
    Ok((langs, out))
}

fn walk(path: &Path, lang: usize, out: &mut Vec<Source>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| TrainError::io(path, e))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| TrainError::io(path, e))?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()
            .map_err(|e| TrainError::io(path, e))?;
        entries.sort();
        for e in entries {
            let hidden = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                walk(&e, lang, out)?;
            }
        }
        return Ok(());
    }
    // Fail early on a file that cannot be opened, before any counting.
    File::open(path).map_err(|e| TrainError::io(path, e))?;
    out.push(Source {
        path: path.to_owned(),
        lang,
        kind: kind_of(path),
        size: meta.len(),
    });
    Ok(())
}

fn kind_of(path: &Path) -> RecordKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut name = name.as_str();
    for ext in [".gz", ".zst", ".zstd"] {
        if let Some(s) = name.strip_suffix(ext) {
            name = s;
        }
    }
    if name.ends_with(".parquet") {
        RecordKind::Parquet
    } else if [".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        RecordKind::Jsonl
    } else {
        RecordKind::Lines
    }
}

/// A batch of records of one source.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Index of the source.
    pub source: usize,
    /// Position of the batch in the whole read (0, 1, 2, ... across sources): the order in
    /// which its counts are added to the table, whatever thread counted it.
    pub seq: u64,
    /// 1-based line number of the first record.
    pub first_line: u64,
    /// The records, back to back.
    pub buf: Vec<u8>,
    /// End offset in `buf` of each record.
    pub ends: Vec<u32>,
}

impl Batch {
    /// The records with their line numbers.
    pub fn records(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let mut start = 0;
        self.ends.iter().enumerate().map(move |(i, &end)| {
            let r = &self.buf[start..end as usize];
            start = end as usize;
            (self.first_line + i as u64, r)
        })
    }
}

/// Counts the bytes read from the file on disk (compressed bytes for compressed files).
struct CountingReader<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens a file, decompressing gzip and zstd by their magic bytes.
pub(crate) fn open(path: &Path, read: Arc<AtomicU64>) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(|e| TrainError::io(path, e))?;
    let mut raw = BufReader::with_capacity(1 << 16, CountingReader { inner: file, read });
    let head = raw.fill_buf().map_err(|e| TrainError::io(path, e))?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 18,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let dec =
            zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| TrainError::io(path, e))?;
        Box::new(BufReader::with_capacity(1 << 18, dec))
    } else {
        Box::new(raw)
    })
}

/// Reads `src` (index `index`) in batches, calling `emit` for each full batch. `recycle` gives
/// back emptied buffers.
pub(crate) fn read_batches(
    src: &Source,
    index: usize,
    read: Arc<AtomicU64>,
    text_field: &str,
    mut recycle: impl FnMut() -> Batch,
    mut emit: impl FnMut(Batch) -> Result<()>,
) -> Result<()> {
    if src.kind == RecordKind::Parquet {
        let mut batch = recycle();
        let reset = |b: &mut Batch, line: u64| {
            b.source = index;
            b.first_line = line;
            b.buf.clear();
            b.ends.clear();
        };
        reset(&mut batch, 1);
        crate::parquet_io::for_each_text(&src.path, text_field, |row, text| {
            if batch.ends.is_empty() {
                batch.first_line = row;
            }
            // Rows skipped (nulls) would shift line numbers: emit before a gap.
            if !batch.ends.is_empty() && batch.first_line + batch.ends.len() as u64 != row {
                let full = std::mem::replace(&mut batch, recycle());
                emit(full)?;
                reset(&mut batch, row);
            }
            if text.len() > MAX_RECORD_BYTES {
                return Err(too_long(&src.path, row));
            }
            batch.buf.extend_from_slice(text.as_bytes());
            batch.ends.push(batch.buf.len() as u32);
            if batch.buf.len() >= BATCH_BYTES {
                let full = std::mem::replace(&mut batch, recycle());
                emit(full)?;
                reset(&mut batch, row + 1);
            }
            Ok(())
        })?;
        if !batch.ends.is_empty() {
            emit(batch)?;
        }
        read.fetch_add(src.size, Ordering::Relaxed);
        return Ok(());
    }
    let mut reader = open(&src.path, read)?;
    let mut line = 1u64;
    let new_batch = |recycle: &mut dyn FnMut() -> Batch, line: u64| {
        let mut b = recycle();
        b.source = index;
        b.first_line = line;
        b.buf.clear();
        b.ends.clear();
        b
    };
    let mut batch = new_batch(&mut recycle, line);
    loop {
        // Reads one more byte than a record may have, never the rest of an overlong line.
        let n = (&mut reader)
            .take(MAX_RECORD_BYTES as u64 + 1)
            .read_until(b'\n', &mut batch.buf)
            .map_err(|e| TrainError::Record {
                path: src.path.clone(),
                line,
                reason: e.to_string(),
            })?;
        if n == 0 {
            break;
        }
        if n > MAX_RECORD_BYTES {
            return Err(too_long(&src.path, line));
        }
        batch.ends.push(batch.buf.len() as u32);
        line += 1;
        if batch.buf.len() >= BATCH_BYTES {
            emit(batch)?;
            batch = new_batch(&mut recycle, line);
        }
    }
    if !batch.ends.is_empty() {
        emit(batch)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_records_are_refused_without_reading_them_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("long.txt");
        let mut text = b"short line\n".to_vec();
        text.resize(text.len() + MAX_RECORD_BYTES + 10, b'x');
        text.extend_from_slice(b"\nafter\n");
        std::fs::write(&p, &text).unwrap();
        let (_, sources) = expand(&[Input {
            lang: "en".into(),
            paths: vec![p.clone()],
        }])
        .unwrap();
        let mut largest = 0;
        let e = read_batches(
            &sources[0],
            0,
            Arc::new(AtomicU64::new(0)),
            "text",
            Batch::default,
            |b| {
                largest = largest.max(b.buf.capacity());
                Ok(())
            },
        )
        .unwrap_err();
        assert!(
            matches!(&e, TrainError::Record { line: 2, reason, .. } if reason.contains("64 MiB")),
            "{e}"
        );
        // A line of exactly the limit is counted.
        text.truncate(11 + MAX_RECORD_BYTES);
        std::fs::write(&p, &text).unwrap();
        let mut records = 0;
        read_batches(
            &sources[0],
            0,
            Arc::new(AtomicU64::new(0)),
            "text",
            Batch::default,
            |b| {
                records += b.ends.len();
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(records, 2);
    }

    #[test]
    fn parse_inputs() {
        let i = Input::parse("ko=a.txt,b.txt.gz").unwrap();
        assert_eq!(i.lang, "ko");
        assert_eq!(i.paths, [PathBuf::from("a.txt"), PathBuf::from("b.txt.gz")]);
        assert_eq!(Input::parse("x.txt").unwrap().lang, "und");
        assert!(Input::parse("=x").is_err());
        assert!(Input::parse("ko=").is_err());
    }

    #[test]
    fn kinds_by_name() {
        assert_eq!(kind_of(Path::new("a/b.jsonl.gz")), RecordKind::Jsonl);
        assert_eq!(kind_of(Path::new("b.NDJSON")), RecordKind::Jsonl);
        assert_eq!(kind_of(Path::new("b.txt.zst")), RecordKind::Lines);
    }

    #[test]
    fn directories_sorted_and_missing_files_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.txt"), "b\n").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a\n").unwrap();
        std::fs::write(dir.path().join(".hidden"), "h\n").unwrap();
        let (langs, srcs) = expand(&[Input {
            lang: "en".into(),
            paths: vec![dir.path().to_owned()],
        }])
        .unwrap();
        assert_eq!(langs, ["en"]);
        let names: Vec<_> = srcs
            .iter()
            .map(|s| s.path.strip_prefix(dir.path()).unwrap().to_owned())
            .collect();
        assert_eq!(names, [PathBuf::from("a.txt"), PathBuf::from("sub/b.txt")]);
        let e = expand(&[Input {
            lang: "en".into(),
            paths: vec![dir.path().join("nope.txt")],
        }])
        .unwrap_err()
        .to_string();
        assert!(e.contains("nope.txt") && e.contains("No such file"), "{e}");
    }
}
