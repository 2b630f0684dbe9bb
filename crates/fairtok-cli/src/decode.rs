//! `fairtok decode`.

use std::io::{self, Write};
use std::path::Path;

use crate::*;

pub(crate) fn run(tok: &TokArgs, jsonl: bool, lossy: bool, file: &Path) -> CliResult {
    let t = load(&tok.tokenizer, &tok.pattern, tok.lowercase)?;
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
