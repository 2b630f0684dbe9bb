//! `fairtok encode`.

use std::io::{self, Write};
use std::path::Path;

use crate::*;

pub(crate) fn run(tok: &TokArgs, enc: &EncArgs, jsonl: bool, file: &Path) -> CliResult {
    let opts = enc.options();
    let name = display(file);
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if !jsonl {
        let threads = enc.threads();
        // Load the tokenizer while the input is read and checked.
        let (t, text) = std::thread::scope(|s| {
            let loading = Task::spawn(s, || load(&tok.tokenizer, &tok.pattern, tok.lowercase));
            let text = input::read_text(file, &name, enc.lossy, threads);
            let t = loading.join();
            (t, text)
        });
        let (text, t) = (text?, t?);
        if enc.is_default() {
            // Span by span: the ids of a long text are written as they are made, never all
            // held (`Tokenizer::encode_parallel_each`).
            let mut first = true;
            t.encode_parallel_each(text.as_str(), threads, |ids| -> CliResult {
                write_ids_parallel(&mut w, ids, first, threads).map_err(out_err)?;
                first &= ids.is_empty();
                Ok(())
            })?;
        } else {
            let ids = t.encode_with(text.as_str(), &opts)?;
            write_ids_parallel(&mut w, &ids, true, threads).map_err(out_err)?;
        }
        w.write_all(b"\n").map_err(out_err)?;
        w.flush().map_err(out_err)?;
        // The OS takes the memory back at exit, faster than freeing the vocabulary.
        std::mem::forget(t);
        return Ok(());
    }
    let t = load(&tok.tokenizer, &tok.pattern, tok.lowercase)?;
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
