//! `fairtok info`.

use std::io::{self, Write};

use fairtok_core::Format;

use crate::*;

pub(crate) fn run(tok: &TokArgs, json: bool) -> CliResult {
    let t = load(&tok.tokenizer, &tok.pattern, tok.lowercase)?;
    let specials = t.special_tokens();
    let format = match t.format() {
        Format::Tiktoken => "tiktoken",
        Format::HuggingFace => "tokenizer.json",
        Format::Tekken => "tekken",
        Format::SentencePiece => "sentencepiece",
        Format::Gguf => "gguf",
    };
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    if json {
        let v = serde_json::json!({
            "name": t.name(),
            "format": format,
            "model": t.model_type(),
            "origin": t.origin(),
            "n_vocab": t.n_vocab(),
            "special_tokens": specials.iter().map(|(s, i)| serde_json::json!({"token": s, "id": i})).collect::<Vec<_>>(),
            "added_tokens_not_special": t.added_non_special(),
            "pattern": t.pattern(),
        });
        serde_json::to_writer_pretty(&mut w, &v).map_err(|e| out_err(e.into()))?;
        w.write_all(b"\n").map_err(out_err)?;
    } else {
        let mut s = String::new();
        s.push_str(&format!("name:            {}\n", t.name()));
        s.push_str(&format!("format:          {format}\n"));
        s.push_str(&format!("model:           {}\n", t.model_type()));
        s.push_str(&format!("origin:          {}\n", t.origin()));
        s.push_str(&format!(
            "n_vocab:         {} (ids 0..{})\n",
            t.n_vocab(),
            t.n_vocab()
        ));
        s.push_str(&format!("special tokens:  {}\n", specials.len()));
        const SHOW: usize = 16;
        for (tok, id) in specials.iter().take(SHOW) {
            s.push_str(&format!("  {id:>8}  {tok}\n"));
        }
        if specials.len() > SHOW {
            s.push_str(&format!(
                "  ... and {} more (--json lists all)\n",
                specials.len() - SHOW
            ));
        }
        if t.added_non_special() > 0 {
            s.push_str(&format!("other added tokens: {}\n", t.added_non_special()));
        }
        s.push_str(&format!(
            "pattern:         {}\n",
            t.pattern().unwrap_or("(none)")
        ));
        w.write_all(s.as_bytes()).map_err(out_err)?;
    }
    w.flush().map_err(out_err)
}
