//! Loading a [`Tokenizer`] by name or from a file: built-ins and model names, gzip, and the
//! file kinds told apart by their content (`tokenizer.json` and `tekken.json` by a leading `{`
//! and their fields, WordPiece `vocab.txt` by its name or lines, `.tiktoken` otherwise).

use std::io::Read;
use std::path::Path;

use super::*;

/// A rank file and its sidecar are read under the lock their writer takes, so both come from
/// one writer (see `crate::output`). Without the lock (a directory that cannot be opened) the
/// sidecar's `explicit_n_vocab` check still catches most mixed pairs.
fn pair_lock(path: &Path) -> Option<crate::output::PairLock> {
    if crate::write::sidecar_path(path).is_file() {
        crate::output::PairLock::shared(path).ok()
    } else {
        None
    }
}

impl Tokenizer {
    /// Loads `spec`: a built-in name (`cl100k_base`, ...), a model name (`gpt-4o`, ...), or the
    /// path of a `.tiktoken`, `tokenizer.json`, Mistral `tekken.json` or WordPiece `vocab.txt`
    /// file (optionally gzipped).
    pub fn load(spec: &str, opts: &LoadOptions) -> Result<Tokenizer> {
        Ok(Tokenizer::load_with_bytes(spec, opts)?.0)
    }

    /// [`Tokenizer::load`], also giving the bytes of the file (decompressed) when `spec` is
    /// a file, so that a caller that needs the document itself reads it once.
    pub fn load_with_bytes(spec: &str, opts: &LoadOptions) -> Result<(Tokenizer, Option<Vec<u8>>)> {
        let is_builtin = builtin::find(spec).is_some()
            || builtin::encoding_name_for_model(spec).is_some_and(|n| builtin::find(n).is_some());
        if is_builtin && opts.lowercase {
            return Err(lowercase_misplaced(spec));
        }
        if let Some(b) = builtin::find(spec) {
            return Ok((Tokenizer::builtin_from(b)?, None));
        }
        if let Some(name) = builtin::encoding_name_for_model(spec) {
            if let Some(b) = builtin::find(name) {
                return Ok((Tokenizer::builtin_from(b)?, None));
            }
        }
        let path = Path::new(spec);
        if path.exists() {
            if starts_with_gguf(path) {
                return Ok((Tokenizer::from_gguf_file(path, opts)?, None));
            }
            let _pair = pair_lock(path);
            let data = read_file(path)?;
            let tokenizer = Tokenizer::from_bytes(path, &data, opts)?;
            return Ok((tokenizer, Some(data)));
        }
        Err(Error::UnknownTokenizer(spec.to_owned()))
    }

    /// Loads a file: gzip is detected by its magic bytes, a JSON document (`tokenizer.json`,
    /// Mistral `tekken.json`) by a leading `{`, a WordPiece `vocab.txt` by its `.txt` name or
    /// a first line without a space; anything else is read as a `.tiktoken` rank file.
    /// A GGUF file (magic bytes `GGUF`) is read up to the end of its metadata only.
    pub fn from_file(path: &Path, opts: &LoadOptions) -> Result<Tokenizer> {
        if starts_with_gguf(path) {
            return Tokenizer::from_gguf_file(path, opts);
        }
        let _pair = pair_lock(path);
        Tokenizer::from_bytes(path, &read_file(path)?, opts)
    }

    /// [`Tokenizer::from_file`] on the file's bytes, already read (and decompressed).
    fn from_bytes(path: &Path, data: &[u8], opts: &LoadOptions) -> Result<Tokenizer> {
        let origin = path.display().to_string();
        let name = file_stem(path);
        if crate::gguf::is_gguf(data) {
            let meta = crate::gguf::read_metadata(data, &origin)?;
            return Tokenizer::from_gguf(&meta, &name, &origin, opts);
        }
        if data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            if opts.pattern.is_some() {
                return Err(Error::invalid(
                    Setting::Pattern,
                    format!("applies to .tiktoken files; {origin} is a tokenizer.json, which carries its own pre-tokenizer"),
                ));
            }
            if opts.lowercase {
                return Err(lowercase_misplaced(&origin));
            }
            return Tokenizer::from_tokenizer_json(data, &name, &origin);
        }
        if is_sentencepiece(path, data) {
            for (set, what) in [
                (opts.pattern.is_some(), Setting::Pattern),
                (opts.lowercase, Setting::Lowercase),
            ] {
                if set {
                    return Err(Error::invalid(
                        what,
                        format!("does not apply to {origin}, a SentencePiece model, which carries its own normalizer"),
                    ));
                }
            }
            return Tokenizer::from_sentencepiece(data, &name, &origin);
        }
        if is_vocab_txt(path, data) {
            if opts.pattern.is_some() {
                return Err(Error::invalid(
                    Setting::Pattern,
                    format!("applies to .tiktoken files; {origin} is a WordPiece vocab.txt, which splits words as BERT does"),
                ));
            }
            return Tokenizer::from_vocab_txt(data, &name, &origin, opts.lowercase);
        }
        if opts.lowercase {
            return Err(lowercase_misplaced(&origin));
        }
        let ranks = tiktoken::parse_rank_list(data, &origin, true)?;
        // A file named like a known encoding brings that encoding's pattern and specials.
        let known = builtin::find(&name);
        let (pat, specials): (String, Vec<(String, u32)>) = match (&opts.pattern, known) {
            (Some(p), _) => (pattern::resolve(p).to_owned(), known_specials(&name)),
            (None, Some(b)) => (b.pattern.to_owned(), known_specials(&name)),
            (None, None) if name == "llama3" => (pattern::LLAMA3.to_owned(), known_specials(&name)),
            // A sidecar `FILE.json` (written by `fairtok train`) brings pattern and specials.
            (None, None) if crate::write::sidecar_path(path).is_file() => {
                let sidecar = crate::write::sidecar_path(path);
                let side = crate::write::read_sidecar(&sidecar)?;
                let max_rank = ranks.iter().map(|r| r.1).max();
                side.check_n_vocab(&sidecar, ranks.iter().len(), max_rank)?;
                let (pat, specials) = (side.pattern, side.specials);
                let limit = id_limit(ranks.iter().len() + specials.len());
                if let Some((s, id)) = specials.iter().find(|s| u64::from(s.1) >= limit) {
                    return Err(Error::TokenizerJson {
                        path: sidecar.display().to_string(),
                        reason: format!("$.special_tokens[{s:?}]: {}", far_id(*id, limit)),
                    });
                }
                (pat, specials)
            }
            (None, None) => {
                return Err(Error::invalid(
                    Setting::Pattern,
                    format!(
                    "{origin} is a .tiktoken file without a sidecar, so it needs a pattern (one of {} or a regex)",
                    pattern::NAMED
                        .iter()
                        .map(|p| p.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                    ),
                ))
            }
        };
        Tokenizer::from_tokens(&name, &origin, ranks.iter(), &pat, specials)
    }

    /// Loads a `.tiktoken` rank file from its bytes (not gzipped), with the checks of
    /// [`Tokenizer::from_file`]: every line parsed as [`tiktoken::parse_ranks`] does, ranks
    /// and special ids below the bound of [`Tokenizer::from_ranks`]. `pattern` is a name from
    /// [`pattern::NAMED`] or a regex; `name` and `origin` name the tokenizer and the document
    /// in errors. This is the loader over bytes that the fuzz targets drive: no file needed.
    pub fn from_tiktoken(
        data: &[u8],
        name: &str,
        origin: &str,
        pattern: &str,
        specials: Vec<(String, u32)>,
    ) -> Result<Tokenizer> {
        let ranks = tiktoken::parse_rank_list(data, origin, true)?;
        let limit = id_limit(ranks.iter().len() + specials.len());
        if let Some((s, id)) = specials.iter().find(|s| u64::from(s.1) >= limit) {
            return Err(Error::Vocab {
                path: origin.to_owned(),
                reason: format!("special token {s:?} has {}", far_id(*id, limit)),
            });
        }
        Tokenizer::from_tokens(
            name,
            origin,
            ranks.iter(),
            pattern::resolve(pattern),
            specials,
        )
    }

    /// Loads a JSON tokenizer document: a Hugging Face `tokenizer.json`, or a Mistral
    /// `tekken.json` (recognised by its `config` and `vocab` list, without `model`).
    pub fn from_tokenizer_json(data: &[u8], name: &str, origin: &str) -> Result<Tokenizer> {
        let root: serde_json::Value =
            serde_json::from_slice(data).map_err(|e| Error::TokenizerJson {
                path: origin.to_owned(),
                reason: format!("not valid JSON: {e}"),
            })?;
        if tekken::looks_like(&root) {
            return Tokenizer::from_tekken(&root, name, origin);
        }
        let model = HfModel::from_value(&root, origin)?;
        Ok(Tokenizer::from_hf_model(model, name, origin))
    }

    fn from_hf_model(model: HfModel, name: &str, origin: &str) -> Tokenizer {
        let id_bytes = model.id_bytes();
        let n = id_bytes.iter().map(|x| x.0 as usize + 1).max().unwrap_or(0);
        let decoder = Decoder::new(n, id_bytes.iter().map(|(id, b)| (*id, b.as_slice())));
        let first_decoder = model
            .first_id_bytes()
            .map(|f| Decoder::new(n, f.iter().map(|(id, b)| (*id, b.as_slice()))));
        Tokenizer {
            name: name.to_owned(),
            origin: origin.to_owned(),
            pattern: model.pattern().map(str::to_owned),
            engine: Engine::Hf(model),
            format: Format::HuggingFace,
            decoder,
            first_decoder,
        }
    }

    /// Loads a SentencePiece `.model` file from its bytes (see [`crate::spm`]).
    pub fn from_sentencepiece(data: &[u8], name: &str, origin: &str) -> Result<Tokenizer> {
        let model = SpmModel::from_bytes(data, origin)?;
        let origin = format!("{origin} (SentencePiece {})", model.model_type());
        Ok(Tokenizer::from_spm_model(model, name, &origin))
    }

    /// Loads a WordPiece `vocab.txt` from its bytes (not gzipped), read as Hugging Face
    /// tokenizers' `BertWordPieceTokenizer(vocab, lowercase=lowercase)` builds it: one token a
    /// line (id = line number), `[CLS]` and `[SEP]` required (the post-processor adds them).
    /// `name` and `origin` name the tokenizer and the document in errors. This is the loader
    /// [`Tokenizer::from_file`] uses for a `vocab.txt`, over bytes (the fuzz targets drive it).
    pub fn from_vocab_txt(
        data: &[u8],
        name: &str,
        origin: &str,
        lowercase: bool,
    ) -> Result<Tokenizer> {
        let model = crate::hf::from_vocab_txt(data, origin, lowercase)?;
        let kind = if lowercase {
            "WordPiece vocab.txt, lower-cased"
        } else {
            "WordPiece vocab.txt"
        };
        let origin = format!("{origin} ({kind})");
        Ok(Tokenizer::from_hf_model(model, name, &origin))
    }

    /// A GGUF file, read through a buffer up to the end of its metadata (see [`crate::gguf`]).
    fn from_gguf_file(path: &Path, opts: &LoadOptions) -> Result<Tokenizer> {
        let meta = crate::gguf::read_file(path)?;
        let origin = path.display().to_string();
        Tokenizer::from_gguf(&meta, &file_stem(path), &origin, opts)
    }

    /// The tokenizer of a GGUF file's metadata, encoded as llama.cpp does: `llama` vocabularies
    /// through [`crate::spm`], the others through [`crate::llama_cpp`].
    fn from_gguf(
        meta: &crate::gguf::Metadata,
        name: &str,
        origin: &str,
        opts: &LoadOptions,
    ) -> Result<Tokenizer> {
        if opts.pattern.is_some() {
            return Err(Error::invalid(
                Setting::Pattern,
                format!("applies to .tiktoken files; {origin} is a GGUF file, whose `tokenizer.ggml.pre` names its pre-tokenizer"),
            ));
        }
        if opts.lowercase {
            return Err(lowercase_misplaced(origin));
        }
        Tokenizer::from_gguf_metadata(meta, name, origin)
    }

    /// The tokenizer of a GGUF file's metadata (read by [`crate::gguf::read_metadata`]),
    /// encoded as llama.cpp encodes without BOS/EOS and with `parse_special = false`: `llama`
    /// vocabularies through [`crate::spm`], `gpt2`, `bert` and `t5` ones through
    /// [`crate::llama_cpp`]; anything else is an [`Error::Gguf`] naming it.
    pub fn from_gguf_metadata(
        meta: &crate::gguf::Metadata,
        name: &str,
        origin: &str,
    ) -> Result<Tokenizer> {
        let tok = meta.tokenizer()?;
        if tok.model == "llama" {
            return Tokenizer::from_llama_gguf(meta, &tok, name, origin);
        }
        let model = crate::llama_cpp::GgufModel::from_metadata(meta, &tok, origin)?;
        let kind = format!(
            "{origin} (GGUF {}, pre-tokenizer {}, llama.cpp's rules)",
            tok.model,
            tok.pre.as_deref().unwrap_or("default")
        );
        let id_bytes = model.id_bytes();
        let decoder = Decoder::new(
            id_bytes.len(),
            id_bytes.iter().map(|(id, b)| (*id, b.as_slice())),
        );
        Ok(Tokenizer {
            name: name.to_owned(),
            origin: kind,
            pattern: None,
            engine: Engine::Gguf(model),
            format: Format::Gguf,
            decoder,
            first_decoder: None,
        })
    }

    /// A GGUF file's SentencePiece-style (`llama`) vocabulary, encoded as llama.cpp does (see
    /// [`crate::spm::LlamaVocab`]).
    fn from_llama_gguf(
        meta: &crate::gguf::Metadata,
        tok: &crate::gguf::GgufTokenizer,
        name: &str,
        origin: &str,
    ) -> Result<Tokenizer> {
        let add_space_prefix = meta
            .bool("tokenizer.ggml.add_space_prefix")?
            .unwrap_or(true);
        let v = crate::llama_cpp::Vocab::new(meta, tok, origin)?;
        let vocab = crate::spm::LlamaVocab {
            tokens: &v.texts,
            scores: tok.scores.as_deref(),
            types: tok.token_type.as_deref(),
            add_space_prefix,
        };
        let model = SpmModel::from_llama_gguf(&vocab, v.partition(), origin)?;
        let origin = format!("{origin} (GGUF llama: SentencePiece-style, llama.cpp's rules)");
        Ok(Tokenizer::from_spm_model(model, name, &origin))
    }

    fn from_spm_model(model: SpmModel, name: &str, origin: &str) -> Tokenizer {
        let id_bytes = model.id_bytes();
        let decoder = Decoder::new(
            id_bytes.len(),
            id_bytes.iter().map(|(id, b)| (*id, b.as_slice())),
        );
        Tokenizer {
            name: name.to_owned(),
            origin: origin.to_owned(),
            pattern: None,
            engine: Engine::Spm(model),
            format: Format::SentencePiece,
            decoder,
            first_decoder: None,
        }
    }

    /// A Mistral tekken document, already parsed (see [`crate::tekken`]).
    fn from_tekken(root: &serde_json::Value, name: &str, origin: &str) -> Result<Tokenizer> {
        let file = tekken::parse(root, origin)?;
        let origin = format!("{origin} (Mistral tekken {})", file.version);
        let tokens = file.ranks.iter().map(|(b, r)| (&b[..], *r));
        let mut tokenizer =
            Tokenizer::from_tokens(name, &origin, tokens, &file.pattern, file.specials)?;
        tokenizer.format = Format::Tekken;
        Ok(tokenizer)
    }
}

/// The error for `lowercase` on a file that is not a `vocab.txt`.
fn lowercase_misplaced(origin: &str) -> Error {
    Error::invalid(
        Setting::Lowercase,
        format!("applies to WordPiece vocab.txt files; {origin} carries its own normalizer"),
    )
}

/// Whether the file's name ends with `ext`, or with `ext` then `.gz`.
fn named(path: &Path, ext: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.strip_suffix(".gz").unwrap_or(&name).ends_with(ext)
}

/// Whether a (non-JSON) file is a SentencePiece model: named `*.model`, or starting as its
/// protobuf does (field 1, a piece, length-delimited) with bytes that are not text.
fn is_sentencepiece(path: &Path, data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    // A character cut at the end of the head is not a reason: only an invalid sequence is.
    let binary = std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some());
    named(path, ".model") || (data.first() == Some(&0x0A) && binary)
}

/// Whether a (non-JSON) file is a WordPiece `vocab.txt`: named `*.txt` (`*.txt.gz`), or its
/// first line has no space (every line of a `.tiktoken` file is `base64 rank`).
fn is_vocab_txt(path: &Path, data: &[u8]) -> bool {
    let first = data.split(|&b| b == b'\n').next().unwrap_or_default();
    named(path, ".txt") || (!first.is_empty() && !first.contains(&b' '))
}

/// Whether the file at `path` starts with the GGUF magic bytes (only its first 4 bytes are
/// read; a file that cannot be read is left to the ordinary path, which reports it).
fn starts_with_gguf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && crate::gguf::is_gguf(&magic)
}

/// The bytes of a tokenizer file, decompressed if they are gzip (detected by the magic bytes).
fn read_file(path: &Path) -> Result<Vec<u8>> {
    let io_err = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let raw = std::fs::read(path).map_err(io_err)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len() * 6);
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .map_err(io_err)?;
    Ok(out)
}

fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [
        ".gz",
        ".gguf",
        ".json",
        ".model",
        ".tiktoken",
        ".tokenizer",
        ".txt",
        ".vocab",
    ] {
        // Strip the usual suffixes in order: x.tokenizer.json.gz -> x
        if let Some(s) = name.strip_suffix(ext) {
            return file_stem(Path::new(s));
        }
    }
    name
}

fn known_specials(stem: &str) -> Vec<(String, u32)> {
    if stem == "llama3" {
        return builtin::llama3_specials();
    }
    builtin::find(stem)
        .map(|b| {
            b.specials
                .iter()
                .map(|(s, i)| (s.to_string(), *i))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(file_stem(Path::new("a/llama3.tokenizer.json")), "llama3");
        assert_eq!(file_stem(Path::new("gemma3.tokenizer.json.gz")), "gemma3");
        assert_eq!(file_stem(Path::new("x/o200k_base.tiktoken")), "o200k_base");
        assert_eq!(file_stem(Path::new("tokenizer.json")), "tokenizer");
    }
}
