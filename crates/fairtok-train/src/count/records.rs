//! The text records of a batch: lines (UTF-8 checked) and the text fields of JSON lines,
//! with their line numbers, for counting (see the parent module).

use super::Source;
use crate::corpus::Batch;
use crate::error::{Result, TrainError};
use crate::CountOptions;

/// A record as text, or `None` if it is not UTF-8 and reading is lenient (it is then counted
/// in `skipped`: how many, and the first line).
pub(super) fn utf8_record<'r>(
    rec: &'r [u8],
    line: u64,
    src: &Source,
    opts: &CountOptions,
    skipped: &mut (u64, u64),
    note: &str,
) -> Result<Option<&'r str>> {
    match std::str::from_utf8(rec) {
        Ok(t) => Ok(Some(t)),
        Err(_) if !opts.strict => {
            if skipped.0 == 0 {
                skipped.1 = line;
            }
            skipped.0 += 1;
            Ok(None)
        }
        Err(e) => Err(TrainError::Record {
            path: src.path.clone(),
            line,
            reason: format!(
                "invalid UTF-8 at byte {} of the line{note}",
                e.valid_up_to()
            ),
        }),
    }
}

/// The text records of a batch of lines, with their line numbers.
pub(super) fn line_texts(
    batch: &Batch,
    src: &Source,
    opts: &CountOptions,
    skipped: &mut (u64, u64),
) -> Result<(Vec<String>, Vec<u64>)> {
    let (mut texts, mut lines) = (vec![], vec![]);
    for (line, rec) in batch.records() {
        if let Some(t) = utf8_record(rec, line, src, opts, skipped, STRICT_NOTE)? {
            texts.push(t.to_owned());
            lines.push(line);
        }
    }
    Ok((texts, lines))
}

/// What a strict read adds to the message of a line that is not UTF-8.
pub(super) const STRICT_NOTE: &str = " (reading is strict; otherwise such lines are skipped)";

/// The texts of a batch of JSON lines (the text field of each object; a null one is skipped),
/// with their line numbers.
pub(super) fn jsonl_texts(
    batch: &Batch,
    src: &Source,
    opts: &CountOptions,
    skipped: &mut (u64, u64),
) -> Result<(Vec<String>, Vec<u64>)> {
    let mut texts: Vec<String> = Vec::with_capacity(batch.ends.len());
    let mut lines = Vec::with_capacity(batch.ends.len());
    for (line, rec) in batch.records() {
        let Some(rec) = utf8_record(rec, line, src, opts, skipped, "")? else {
            continue;
        };
        if rec.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(rec).map_err(|e| TrainError::Record {
            path: src.path.clone(),
            line,
            reason: format!("not a JSON object: {e}"),
        })?;
        match v.get(&opts.text_field) {
            Some(serde_json::Value::String(s)) => {
                texts.push(s.clone());
                lines.push(line);
            }
            Some(serde_json::Value::Null) => {}
            _ => {
                return Err(TrainError::Record {
                    path: src.path.clone(),
                    line,
                    reason: format!("no string field `{}` (the text field)", opts.text_field),
                })
            }
        }
    }
    Ok((texts, lines))
}
