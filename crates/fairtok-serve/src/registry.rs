//! The tokenizers a server answers for, loaded once at start and named.

use std::sync::Arc;

use fairtok_core::{LoadOptions, Tokenizer};

use crate::error::{Error, Result};

/// One served tokenizer.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name requests use.
    pub name: String,
    /// The tokenizer.
    pub tokenizer: Arc<Tokenizer>,
}

impl Entry {
    /// Its kind as `/v1/tokenizers` reports it: the file format and the model type
    /// (`tiktoken`, `huggingface/BPE`, `huggingface/WordPiece`, `sentencepiece/Unigram`, ...).
    pub fn kind(&self) -> String {
        let t = &self.tokenizer;
        match t.format() {
            fairtok_core::Format::Tiktoken => "tiktoken".to_owned(),
            fairtok_core::Format::Tekken => "tekken".to_owned(),
            fairtok_core::Format::HuggingFace => format!("huggingface/{}", t.model_type()),
            fairtok_core::Format::SentencePiece => format!("sentencepiece/{}", t.model_type()),
            fairtok_core::Format::Gguf => format!("gguf/{}", t.model_type()),
        }
    }
}

/// The named tokenizers of a server. Requests can only choose among these: nothing a request
/// says makes the server open a file.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// Every built-in encoding ([`fairtok_core::builtin::BUILTINS`]), by its name.
    pub fn builtins() -> Result<Registry> {
        let specs: Vec<String> = fairtok_core::builtin::BUILTINS
            .iter()
            .map(|b| b.name.to_owned())
            .collect();
        Registry::load(&specs)
    }

    /// Loads each spec: `SPEC` (named as the library names it: the built-in's name, or the
    /// file's stem) or `NAME=SPEC`. A spec is what [`Tokenizer::load`] takes: a built-in
    /// name, a model name, or a path.
    pub fn load(specs: &[String]) -> Result<Registry> {
        Registry::load_with(specs, &LoadOptions::default())
    }

    /// [`Registry::load`] with load options (a `.tiktoken` file's pattern, lower-casing for a
    /// WordPiece `vocab.txt`).
    pub fn load_with(specs: &[String], opts: &LoadOptions) -> Result<Registry> {
        let mut registry = Registry::default();
        for given in specs {
            let (name, spec) = split_name(given);
            let tokenizer = Tokenizer::load(spec, opts).map_err(|source| Error::Load {
                spec: given.clone(),
                source,
            })?;
            let name = name.map_or_else(|| tokenizer.name().to_owned(), str::to_owned);
            registry.insert(name, tokenizer)?;
        }
        if registry.entries.is_empty() {
            return Err(Error::NoTokenizers);
        }
        Ok(registry)
    }

    /// Adds a loaded tokenizer under `name`.
    pub fn insert(&mut self, name: String, tokenizer: Tokenizer) -> Result<()> {
        if self.get(&name).is_some() {
            return Err(Error::DuplicateName(name));
        }
        self.entries.push(Entry {
            name,
            tokenizer: Arc::new(tokenizer),
        });
        Ok(())
    }

    /// The tokenizer named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// All entries, in the order they were given.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// `NAME=SPEC` → `(Some(NAME), SPEC)`. A name is letters, digits, `_`, `-` and `.`, so a
/// path that holds `=` after a `/` stays a path.
fn split_name(given: &str) -> (Option<&str>, &str) {
    match given.split_once('=') {
        Some((name, spec))
            if !name.is_empty()
                && !spec.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) =>
        {
            (Some(name), spec)
        }
        _ => (None, given),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_given_or_taken_from_the_tokenizer() {
        assert_eq!(split_name("a=b"), (Some("a"), "b"));
        assert_eq!(split_name("./x=y/z"), (None, "./x=y/z"));
        assert_eq!(split_name("=b"), (None, "=b"));
        let r = Registry::load(&["gpt=o200k_base".into(), "cl100k_base".into()]).unwrap();
        let names: Vec<&str> = r.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["gpt", "cl100k_base"]);
        assert_eq!(r.get("gpt").unwrap().kind(), "tiktoken");
    }

    #[test]
    fn duplicate_names_and_bad_specs_are_refused() {
        let e = Registry::load(&["o200k_base".into(), "o200k_base".into()]).unwrap_err();
        assert!(matches!(e, Error::DuplicateName(n) if n == "o200k_base"));
        let e = Registry::load(&["nope=/no/such/file.tiktoken".into()]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("tokenizer nope=/no/such/file.tiktoken: "),
            "{e}"
        );
        assert!(matches!(Registry::load(&[]), Err(Error::NoTokenizers)));
    }
}
