//! `fairtok encode`.

use std::io::{self, Write};
use std::path::Path;

use crate::*;

pub(crate) fn run(tok: &TokArgs, enc: &EncArgs, jsonl: bool, file: &Path) -> CliResult {
    let t = load(&tok.tokenizer, &tok.pattern)?;
    let opts = enc.options();
    let name = display(file);
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if !jsonl {
        let text = text_of(read_input(file)?, &name, enc.lossy)?;
        let ids = if enc.is_default() {
            t.encode_parallel(&text, enc.threads())?
        } else {
            t.encode_with(&text, &opts)?
        };
        write_ids(&mut w, &ids).map_err(out_err)?;
        return w.flush().map_err(out_err);
    }
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
