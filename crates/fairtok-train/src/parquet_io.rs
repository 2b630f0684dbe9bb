//! Parquet: counts files (written by `fairtok count-pretokens`, read by `train --counts`) and
//! corpus files with a text column.
//!
//! # The counts file
//!
//! Two columns, one row per distinct piece, sorted by bytes (so the same input gives the same
//! file): `piece` (`large_binary`, the piece's bytes) and `count` (`int64`). The file's key-value
//! metadata holds:
//!
//! | key | value |
//! |---|---|
//! | `fairtok.format` | `pretoken-counts/1` |
//! | `fairtok.language` | the language tag(s), comma-separated |
//! | `fairtok.pattern` | the pre-tokenizer pattern, in tiktoken's dialect |
//! | `fairtok.pattern_hash` | `fnv1a64:` and the FNV-1a 64-bit hash of the pattern's UTF-8 bytes, in hex |
//!
//! Counts files merge by adding the counts of equal pieces, so shards counted anywhere (another
//! machine, Spark, DuckDB: anything that writes these two columns and this metadata) combine
//! into one training run. [`read_counts`] refuses a file whose pattern is not the one asked for.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    Array, BinaryArray, Int64Array, LargeBinaryArray, LargeStringArray, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;

use crate::count::PieceCounts;
use crate::error::{Result, TrainError};

/// The value of `fairtok.format` in a counts file.
pub const COUNTS_FORMAT: &str = "pretoken-counts/1";

/// The pattern hash stored beside the pattern: FNV-1a, 64 bits, as `fnv1a64:<16 hex digits>`.
pub fn pattern_hash(pattern: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in pattern.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

fn file_err(path: &Path, reason: impl std::fmt::Display) -> TrainError {
    TrainError::File {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Writes `counts` (tagged `language`) to `path` as a counts file, atomically (a temporary file
/// in the same directory, renamed when complete; see [`fairtok_core::output`], `-` for
/// standard output).
pub fn write_counts(path: &Path, counts: &PieceCounts, language: &str) -> Result<()> {
    if counts.is_per_language() {
        return Err(TrainError::Usage(
            "a counts file holds pooled counts; this table is per language".into(),
        ));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("piece", DataType::LargeBinary, false),
        Field::new("count", DataType::Int64, false),
    ]));
    let meta = vec![
        KeyValue::new("fairtok.format".into(), COUNTS_FORMAT.to_owned()),
        KeyValue::new("fairtok.language".into(), language.to_owned()),
        KeyValue::new("fairtok.pattern".into(), counts.pattern.clone()),
        KeyValue::new("fairtok.pattern_hash".into(), pattern_hash(&counts.pattern)),
    ];
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(meta))
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    fairtok_core::output::write_atomic_with(path, |out| {
        let mut w = ArrowWriter::try_new(out, schema.clone(), Some(props))
            .map_err(std::io::Error::other)?;
        let sorted = counts.sorted();
        for chunk in sorted.chunks(1 << 16) {
            let pieces = LargeBinaryArray::from_iter_values(chunk.iter().map(|x| x.0));
            let n =
                Int64Array::from_iter_values(chunk.iter().map(|x| x.1.min(i64::MAX as u64) as i64));
            let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(pieces), Arc::new(n)])
                .map_err(std::io::Error::other)?;
            w.write(&batch).map_err(std::io::Error::other)?;
        }
        w.close().map_err(std::io::Error::other)?;
        Ok(())
    })?;
    Ok(())
}

/// What a counts file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountsMeta {
    /// The language tag(s).
    pub language: String,
    /// The pre-tokenizer pattern.
    pub pattern: String,
}

/// Opens a Parquet file for reading; a file that is not Parquet is an error naming it.
fn open(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let mut file = File::open(path).map_err(|e| TrainError::io(path, e))?;
    check_file_footer(path, &mut file)?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| file_err(path, format!("not a Parquet file: {e}")))
}

/// [`check_footer`] on a file: reads its footer (at most the file's own size).
fn check_file_footer(path: &Path, file: &mut File) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e| TrainError::io(path, e);
    let len = file.metadata().map_err(io)?.len();
    if len < 8 {
        return Ok(()); // parquet refuses it with its own message
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::End(-8)).map_err(io)?;
    file.read_exact(&mut tail).map_err(io)?;
    let meta_len = u64::from(u32::from_le_bytes(tail[..4].try_into().expect("4 bytes")));
    if &tail[4..] != b"PAR1" || meta_len + 8 > len {
        return Ok(());
    }
    let mut meta = vec![0u8; meta_len as usize];
    file.seek(SeekFrom::End(-8 - meta_len as i64)).map_err(io)?;
    file.read_exact(&mut meta).map_err(io)?;
    file.rewind().map_err(io)?;
    thrift_sizes_fit(&meta).map_err(|e| file_err(path, format!("malformed Parquet metadata: {e}")))
}

/// Checks the footer of a Parquet document in memory (see [`thrift_sizes_fit`]).
fn check_footer(path: &Path, data: &[u8]) -> Result<()> {
    let Some(tail) = data.len().checked_sub(8).map(|at| &data[at..]) else {
        return Ok(());
    };
    let meta_len = u32::from_le_bytes(tail[..4].try_into().expect("4 bytes")) as usize;
    if &tail[4..] != b"PAR1" || meta_len + 8 > data.len() {
        return Ok(());
    }
    let meta = &data[data.len() - 8 - meta_len..data.len() - 8];
    thrift_sizes_fit(meta).map_err(|e| file_err(path, format!("malformed Parquet metadata: {e}")))
}

/// Walks the Thrift compact encoding of a Parquet footer (one struct) and checks that every
/// list, set, map and binary declares at most as many elements (bytes) as remain in it: each
/// element takes at least one byte, so a larger count is malformed. The parquet crate
/// allocates what a list declares before reading it, so a counts file of 1 KB could ask for
/// 4 GB (found by fuzzing the counts reader); with this check its metadata costs at most a
/// small multiple of the footer's size. Nesting deeper than 64 is refused as well, and so is
/// a footer whose struct does not end exactly at its end. This is a check of the encoding, not
/// of Parquet's schema: a field whose header gives another type than Parquet's schema says
/// can still slip through (see docs/FUZZING.md).
fn thrift_sizes_fit(meta: &[u8]) -> std::result::Result<(), String> {
    struct Walk<'a> {
        b: &'a [u8],
        at: usize,
    }
    impl Walk<'_> {
        fn byte(&mut self) -> std::result::Result<u8, String> {
            let v = *self.b.get(self.at).ok_or("truncated")?;
            self.at += 1;
            Ok(v)
        }
        fn varint(&mut self) -> std::result::Result<u64, String> {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = self.byte()?;
                v |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    return Ok(v);
                }
            }
            Err("varint too long".into())
        }
        fn count(&mut self, n: u64, per: u64, what: &str) -> std::result::Result<(), String> {
            let left = (self.b.len() - self.at) as u64;
            if n.saturating_mul(per) > left {
                return Err(format!("a {what} of {n} entries in {left} bytes"));
            }
            Ok(())
        }
        fn skip(&mut self, ty: u8, depth: usize) -> std::result::Result<(), String> {
            if depth > 64 {
                return Err("nested deeper than 64".into());
            }
            match ty {
                1 | 2 => Ok(()), // a boolean field: its value is the type
                3 => self.byte().map(drop),
                4..=6 => self.varint().map(drop),
                7 => {
                    self.count(8, 1, "double")?;
                    self.at += 8;
                    Ok(())
                }
                8 => {
                    let n = self.varint()?;
                    self.count(n, 1, "binary")?;
                    self.at += n as usize;
                    Ok(())
                }
                9 | 10 => {
                    let h = self.byte()?;
                    let n = match h >> 4 {
                        15 => self.varint()?,
                        n => u64::from(n),
                    };
                    self.count(n, 1, "list")?;
                    // In a list a boolean is one byte.
                    let elem = match h & 0x0f {
                        1 | 2 => 3,
                        t => t,
                    };
                    (0..n).try_for_each(|_| self.skip(elem, depth + 1))
                }
                11 => {
                    let n = self.varint()?;
                    if n == 0 {
                        return Ok(());
                    }
                    let kv = self.byte()?;
                    self.count(n, 2, "map")?;
                    let fix = |t: u8| if t == 1 || t == 2 { 3 } else { t };
                    (0..n).try_for_each(|_| {
                        self.skip(fix(kv >> 4), depth + 1)?;
                        self.skip(fix(kv & 0x0f), depth + 1)
                    })
                }
                12 => loop {
                    let h = self.byte()?;
                    if h == 0 {
                        return Ok(());
                    }
                    if h >> 4 == 0 {
                        self.varint()?; // the field id, in full
                    }
                    self.skip(h & 0x0f, depth + 1)?;
                },
                t => Err(format!("unknown Thrift type {t}")),
            }
        }
    }
    let mut walk = Walk { b: meta, at: 0 };
    walk.skip(12, 0)?;
    // The parquet crate reads each field by its id, whatever type the field header says, so
    // a mistyped field walks differently here and there; a footer that does not end where its
    // length says is malformed (the fuzzer's second footer finding was such a one).
    if walk.at != meta.len() {
        return Err(format!(
            "its Thrift ends at byte {} of {}",
            walk.at,
            meta.len()
        ));
    }
    Ok(())
}

/// The counts-file metadata of an opened file, and its `fairtok.pattern_hash` if it has one.
/// A file without `fairtok.pattern` is not a counts file; the language defaults to `und`.
fn counts_meta<T: ChunkReader + 'static>(
    path: &Path,
    builder: &ParquetRecordBatchReaderBuilder<T>,
) -> Result<(CountsMeta, Option<String>)> {
    let kv = builder.metadata().file_metadata().key_value_metadata();
    let get = |k: &str| {
        kv.and_then(|kv| kv.iter().find(|x| x.key == k))
            .and_then(|x| x.value.clone())
    };
    let pattern = get("fairtok.pattern").ok_or_else(|| {
        file_err(
            path,
            "no `fairtok.pattern` in the file metadata: not a counts file",
        )
    })?;
    let meta = CountsMeta {
        language: get("fairtok.language").unwrap_or_else(|| "und".into()),
        pattern,
    };
    Ok((meta, get("fairtok.pattern_hash")))
}

/// Reads the metadata of a counts file (its language tags and pattern) without its rows.
pub fn read_meta(path: &Path) -> Result<CountsMeta> {
    Ok(counts_meta(path, &open(path)?)?.0)
}

/// Reads a counts file and adds its pieces to `into` (whose pattern must be the file's).
/// A malformed file is an error; `into` may then hold part of its counts.
pub fn read_counts(path: &Path, into: &mut PieceCounts) -> Result<CountsMeta> {
    without_panic(path, || read_counts_from(path, open(path)?, into))
}

/// Runs `read`, turning a panic into an error naming `path`. The parquet crate panics on some
/// malformed data (found by fuzzing the counts reader: a dictionary index past the end of the
/// dictionary, `parquet` 54's `rle.rs`); a counts file is untrusted input, so that is an error
/// like any other malformed file, not the end of the process.
fn without_panic<R>(path: &Path, read: impl FnOnce() -> Result<R>) -> Result<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| p.downcast_ref::<&str>().copied())
            .unwrap_or("a panic");
        Err(file_err(
            path,
            format!("malformed Parquet data: the reader failed ({why})"),
        ))
    })
}

/// [`read_counts`] over the bytes of a counts file already in memory; `origin` names the
/// document in errors. The same checks apply: this is the reader the fuzz target drives.
pub fn read_counts_bytes(
    data: Vec<u8>,
    origin: &Path,
    into: &mut PieceCounts,
) -> Result<CountsMeta> {
    check_footer(origin, &data)?;
    without_panic(origin, || {
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(data))
            .map_err(|e| file_err(origin, format!("not a Parquet file: {e}")))?;
        read_counts_from(origin, builder, into)
    })
}

/// [`read_counts`] from an opened reader; `path` names the document in errors.
fn read_counts_from<T: ChunkReader + 'static>(
    path: &Path,
    builder: ParquetRecordBatchReaderBuilder<T>,
    into: &mut PieceCounts,
) -> Result<CountsMeta> {
    let (meta, hash) = counts_meta(path, &builder)?;
    let CountsMeta { language, pattern } = meta;
    if let Some(h) = hash {
        if h != pattern_hash(&pattern) {
            return Err(file_err(
                path,
                format!(
                    "`fairtok.pattern_hash` {h} does not match the pattern (expected {})",
                    pattern_hash(&pattern)
                ),
            ));
        }
    }
    if pattern != into.pattern {
        return Err(file_err(
            path,
            format!(
                "counted with the pattern {pattern:?}, not {:?}: counts of different pre-tokenizers cannot be merged",
                into.pattern
            ),
        ));
    }
    let reader = builder
        .with_batch_size(1 << 16)
        .build()
        .map_err(|e| file_err(path, e))?;
    let mut row = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| file_err(path, e))?;
        let col = |name: &str| {
            batch
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| file_err(path, format!("no column `{name}`")))
        };
        let pieces = col("piece")?;
        let counts = col("count")?;
        let counts = counts
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| file_err(path, "column `count` is not int64"))?;
        let piece_at = |i: usize| -> Option<&[u8]> {
            if let Some(a) = pieces.as_any().downcast_ref::<LargeBinaryArray>() {
                Some(a.value(i))
            } else if let Some(a) = pieces.as_any().downcast_ref::<BinaryArray>() {
                Some(a.value(i))
            } else {
                None
            }
        };
        for i in 0..batch.num_rows() {
            let line = row + i as u64 + 1;
            if pieces.is_null(i) || counts.is_null(i) {
                return Err(TrainError::Record {
                    path: path.to_owned(),
                    line,
                    reason: "null piece or count".into(),
                });
            }
            let piece = piece_at(i)
                .ok_or_else(|| file_err(path, "column `piece` is not (large_)binary"))?;
            let c = counts.value(i);
            if c < 0 {
                return Err(TrainError::Record {
                    path: path.to_owned(),
                    line,
                    reason: format!("negative count {c}"),
                });
            }
            into.add(piece, c as u64);
        }
        row += batch.num_rows() as u64;
    }
    Ok(CountsMeta { language, pattern })
}

/// Reads the string column `column` of a Parquet corpus file, calling `f(row, text)` for each
/// non-null value (rows are 1-based).
pub fn for_each_text(
    path: &Path,
    column: &str,
    mut f: impl FnMut(u64, &str) -> Result<()>,
) -> Result<()> {
    let builder = open(path)?;
    let idx = builder
        .schema()
        .fields()
        .iter()
        .position(|x| x.name() == column)
        .ok_or_else(|| file_err(path, format!("no column `{column}` (the text field)")))?;
    let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), [idx]);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(8192)
        .build()
        .map_err(|e| file_err(path, e))?;
    let mut row = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| file_err(path, e))?;
        let a = batch.column(0);
        if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
            for (i, v) in s.iter().enumerate() {
                if let Some(v) = v {
                    f(row + i as u64 + 1, v)?;
                }
            }
        } else if let Some(s) = a.as_any().downcast_ref::<LargeStringArray>() {
            for (i, v) in s.iter().enumerate() {
                if let Some(v) = v {
                    f(row + i as u64 + 1, v)?;
                }
            }
        } else {
            return Err(file_err(
                path,
                format!(
                    "column `{column}` is {}, not a string column",
                    a.data_type()
                ),
            ));
        }
        row += batch.num_rows() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_and_merge() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = PieceCounts::new("p");
        a.add(b"x", 3);
        a.add(b" y\xff", 5);
        let pa = dir.path().join("a.parquet");
        write_counts(&pa, &a, "ko").unwrap();
        let mut b = PieceCounts::new("p");
        b.add(b"x", 1);
        let meta = read_counts(&pa, &mut b).unwrap();
        assert_eq!(meta.language, "ko");
        assert_eq!(b.get(b"x"), 4);
        assert_eq!(b.get(b" y\xff"), 5);
        // Deterministic bytes.
        let pb = dir.path().join("b.parquet");
        write_counts(&pb, &a, "ko").unwrap();
        assert_eq!(std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
        let mut other = PieceCounts::new("q");
        let e = read_counts(&pa, &mut other).unwrap_err().to_string();
        assert!(
            e.contains("a.parquet: counted with the pattern \"p\", not \"q\""),
            "{e}"
        );
    }

    #[test]
    fn counts_from_bytes_read_as_the_file_does() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = PieceCounts::new("p");
        a.add(b"x", 3);
        a.add(b" y\xff", 5);
        let pa = dir.path().join("a.parquet");
        write_counts(&pa, &a, "ko").unwrap();
        let data = std::fs::read(&pa).unwrap();
        let mut b = PieceCounts::new("p");
        let meta = read_counts_bytes(data.clone(), Path::new("mem"), &mut b).unwrap();
        assert_eq!((meta.language.as_str(), b.sorted()), ("ko", a.sorted()));
        // A truncated document is an error naming the origin, not a panic.
        let e = read_counts_bytes(data[..data.len() - 9].to_vec(), Path::new("mem"), &mut b)
            .unwrap_err()
            .to_string();
        assert!(e.contains("mem: not a Parquet file"), "{e}");
    }

    #[test]
    fn a_footer_list_longer_than_the_footer_is_refused() {
        // Found by fuzzing: a counts file of 884 bytes whose footer declares a list of
        // 89 million key-value entries; the parquet crate reserved 4 GB for them before
        // reading one. Here the schema list's header is made to declare 2^32 - 1 entries.
        let dir = tempfile::tempdir().unwrap();
        let mut a = PieceCounts::new("p");
        a.add(b"x", 3);
        let pa = dir.path().join("a.parquet");
        write_counts(&pa, &a, "ko").unwrap();
        let good = std::fs::read(&pa).unwrap();
        let n = good.len();
        let meta_len = u32::from_le_bytes(good[n - 8..n - 4].try_into().unwrap()) as usize;
        let meta = &good[n - 8 - meta_len..n - 8];
        // FileMetaData starts with its version (field 1, 0x15, one varint byte) and its
        // schema (field 2, 0x19): a list of structs whose header is byte 3.
        assert_eq!((meta[0], meta[2], meta[3] & 0x0f), (0x15, 0x19, 0x0c));
        let at = 3;
        let mut bad = good[..n - 8 - meta_len].to_vec();
        bad.extend_from_slice(&meta[..at]);
        // Long form (15) of a list of structs (12), then 2^32 - 1 as a varint.
        bad.extend_from_slice(&[0xfc, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        bad.extend_from_slice(&meta[at + 1..]);
        bad.extend_from_slice(&((meta_len + 5) as u32).to_le_bytes());
        bad.extend_from_slice(b"PAR1");
        let mut into = PieceCounts::new("p");
        let e = read_counts_bytes(bad.clone(), Path::new("mem"), &mut into)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("mem: malformed Parquet metadata: a list of 4294967295 entries in"),
            "{e}"
        );
        let pb = dir.path().join("b.parquet");
        std::fs::write(&pb, &bad).unwrap();
        let e = read_counts(&pb, &mut into).unwrap_err().to_string();
        assert!(
            e.contains("b.parquet: malformed Parquet metadata: a list of"),
            "{e}"
        );
        // The files the library writes pass the check.
        thrift_sizes_fit(meta).unwrap();
    }

    #[test]
    fn fuzz_findings_are_errors() {
        // Inputs the counts-reader fuzz target found (fuzz/, docs/FUZZING.md): a footer list
        // that made the parquet crate reserve 4 GB, a mistyped footer field that made it
        // reserve 10 GB, and a dictionary index past the end of the dictionary that made it
        // panic (its data pages as found, its footer the one written, so the footer check
        // passes and the panic is reached).
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        for (file, want) in [
            (
                "fuzz-footer-list.parquet",
                "malformed Parquet metadata: a map of",
            ),
            (
                "fuzz-footer-mistyped.parquet",
                "malformed Parquet metadata: its Thrift ends at byte 16 of 723",
            ),
            (
                "fuzz-dict-index.parquet",
                "malformed Parquet data: the reader failed (index out of bounds",
            ),
        ] {
            let path = dir.join(file);
            let mut into = PieceCounts::new(fairtok_core::pattern::R50K);
            let e = read_counts(&path, &mut into).unwrap_err().to_string();
            assert!(e.contains(want), "{file}: {e}");
            let data = std::fs::read(&path).unwrap();
            let e = read_counts_bytes(data, Path::new(file), &mut into)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(file) && e.contains(want), "{file}: {e}");
        }
    }

    #[test]
    fn parquet_corpus_text_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.parquet");
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("text", DataType::Utf8, true),
        ]));
        let ids = Int64Array::from(vec![1, 2, 3]);
        let texts = StringArray::from(vec![Some("hello world"), None, Some("안녕 hello")]);
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(texts)]).unwrap();
        let mut w = ArrowWriter::try_new(File::create(&p).unwrap(), schema, None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let mut seen = vec![];
        for_each_text(&p, "text", |row, t| {
            seen.push((row, t.to_owned()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [(1, "hello world".into()), (3, "안녕 hello".into())]);
        let e = for_each_text(&p, "body", |_, _| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.parquet: no column `body`"), "{e}");
        let e = for_each_text(&p, "id", |_, _| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is Int64, not a string column"), "{e}");
        // Through the counting pipeline.
        let (langs, srcs) =
            crate::expand(&[crate::Input::parse(&format!("ko={}", p.display())).unwrap()]).unwrap();
        let c =
            crate::count_sources(&langs, &srcs, &Default::default(), &crate::NoProgress).unwrap();
        assert_eq!(c.get(b"hello"), 1);
        assert_eq!(c.get(b" hello"), 1);
        assert_eq!(c.stats.languages[0].records, 2);
    }

    #[test]
    fn pattern_hash_is_fnv1a() {
        assert_eq!(pattern_hash(""), "fnv1a64:cbf29ce484222325");
        assert_eq!(pattern_hash("a"), "fnv1a64:af63dc4c8601ec8c");
    }
}
