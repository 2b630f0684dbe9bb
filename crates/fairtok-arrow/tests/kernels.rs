//! The kernels against the tokenizer's own per-text calls: every row, every string type,
//! nulls, thread counts, and pre-token counts against a file counted by `fairtok_train`.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Int64Array, LargeStringArray, ListArray, StringArray, StringViewArray,
    UInt32Array,
};
use fairtok_arrow::Error;
use fairtok_core::Tokenizer;

/// Rows with what breaks encoders: Korean, emoji, lone spaces, newlines, digits, empty, null.
fn rows() -> Vec<Option<String>> {
    let base = [
        "안녕하세요, 세계! 오늘은 2026년 11월 30일입니다.",
        "hello  world\n\nnew paragraph\t tab",
        "",
        " ",
        "👩‍👩‍👧 family, ザ・ワールド, 中文文本",
        "x\u{300}\u{301} combining",
        "   leading spaces and trailing   ",
        "1234567890 9876543210",
    ];
    let mut out = vec![];
    for i in 0..300 {
        if i % 7 == 3 {
            out.push(None);
        } else {
            out.push(Some(base[i % base.len()].repeat(1 + i % 3)));
        }
    }
    out
}

fn columns() -> Vec<ArrayRef> {
    let r = rows();
    vec![
        Arc::new(StringArray::from(r.clone())),
        Arc::new(LargeStringArray::from(r.clone())),
        Arc::new(StringViewArray::from(
            r.iter().map(|x| x.as_deref()).collect::<Vec<_>>(),
        )),
        // A slice: offsets that do not start at zero.
        Arc::new(StringArray::from(r).slice(5, 200)),
    ]
}

fn tokenizers() -> Vec<Tokenizer> {
    ["o200k_base", "cl100k_base", "r50k_base"]
        .iter()
        .map(|n| Tokenizer::builtin(n).unwrap())
        .collect()
}

fn texts(column: &dyn Array) -> Vec<Option<&str>> {
    let t = fairtok_arrow::Texts::new(column).unwrap();
    (0..t.len()).map(|i| t.get(i)).collect()
}

#[test]
fn counts_equal_the_tokenizer_row_by_row() {
    for tok in tokenizers() {
        for column in columns() {
            for threads in [1, 2, 8] {
                let counts: Int64Array = fairtok_arrow::count(&tok, &column, threads).unwrap();
                assert_eq!(counts.len(), column.len());
                for (i, text) in texts(&column).into_iter().enumerate() {
                    match text {
                        None => assert!(counts.is_null(i), "row {i} is null"),
                        Some(t) => {
                            assert_eq!(counts.value(i) as usize, tok.encode(t).unwrap().len())
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn ids_equal_the_tokenizer_row_by_row() {
    for tok in tokenizers() {
        for column in columns() {
            let ids: ListArray = fairtok_arrow::encode(&tok, &column, 2).unwrap();
            assert_eq!(ids.len(), column.len());
            for (i, text) in texts(&column).into_iter().enumerate() {
                match text {
                    None => assert!(ids.is_null(i)),
                    Some(t) => {
                        let row = ids.value(i);
                        let row = row.as_any().downcast_ref::<UInt32Array>().unwrap();
                        assert_eq!(row.values().to_vec(), tok.encode(t).unwrap());
                    }
                }
            }
        }
    }
}

#[test]
fn other_types_are_refused_by_name() {
    let tok = Tokenizer::builtin("o200k_base").unwrap();
    let n = Int64Array::from(vec![1, 2]);
    let e = fairtok_arrow::count(&tok, &n, 1).unwrap_err();
    assert!(matches!(e, Error::Type(_)));
    assert!(e.to_string().contains("Int64"), "{e}");
}

/// A `null` column (an engine's type for a block of missing texts) gives nulls.
#[test]
fn a_null_column_gives_nulls() {
    let tok = Tokenizer::builtin("o200k_base").unwrap();
    let column = arrow_array::NullArray::new(3);
    let counts = fairtok_arrow::count(&tok, &column, 2).unwrap();
    assert_eq!((counts.len(), counts.null_count()), (3, 3));
    let ids = fairtok_arrow::encode(&tok, &column, 2).unwrap();
    assert_eq!((ids.len(), ids.null_count()), (3, 3));
}

#[test]
fn an_empty_column_gives_an_empty_result() {
    let tok = Tokenizer::builtin("o200k_base").unwrap();
    let empty = StringArray::from(Vec::<Option<&str>>::new());
    assert_eq!(fairtok_arrow::count(&tok, &empty, 4).unwrap().len(), 0);
    assert_eq!(fairtok_arrow::encode(&tok, &empty, 4).unwrap().len(), 0);
}

/// A column's pre-token counts equal those of the same records in a Parquet file read by
/// `fairtok_train` (one record per non-null value), and the written file reads back.
#[test]
fn pretoken_counts_equal_the_training_reader() {
    let r = rows();
    let column = StringArray::from(r.clone());
    let dir = tempfile::tempdir().unwrap();
    // The same records as a Parquet corpus file, counted by the trainer's file reader.
    let corpus = dir.path().join("c.parquet");
    {
        use arrow_array::RecordBatch;
        let batch =
            RecordBatch::try_from_iter([("text", Arc::new(column.clone()) as ArrayRef)]).unwrap();
        let f = std::fs::File::create(&corpus).unwrap();
        let mut w = parquet_writer(f, batch.schema());
        w.write(&batch).unwrap();
        w.close().unwrap();
    }
    let from_file = dir.path().join("file.parquet");
    let job = fairtok_train::CountJob {
        inputs: vec![fairtok_train::InputSpec::files("kor_Hang", vec![corpus]).unwrap()],
        counts: vec![],
        pattern: Some("o200k".into()),
        reading: fairtok_train::Reading::default(),
        output: from_file.clone(),
    };
    let want = fairtok_train::count_pretokens(&job, &fairtok_train::NoProgress).unwrap();
    let from_column = dir.path().join("column.parquet");
    let got = fairtok_arrow::write_pretoken_counts(&column, "o200k", "kor_Hang", 2, &from_column)
        .unwrap();
    assert_eq!(
        got.stats.languages[0].records,
        r.iter().flatten().count() as u64
    );
    assert_eq!(got.len(), want.len());
    assert_eq!(
        std::fs::read(&from_column).unwrap(),
        std::fs::read(&from_file).unwrap()
    );
}

fn parquet_writer(
    f: std::fs::File,
    schema: arrow_schema::SchemaRef,
) -> parquet::arrow::ArrowWriter<std::fs::File> {
    parquet::arrow::ArrowWriter::try_new(f, schema, None).unwrap()
}
