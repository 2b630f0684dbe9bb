//! Vocabulary extension: BPE training continued on top of an existing tokenizer, so that a
//! model trained on the base vocabulary can adopt the extended one by adding embedding rows.
//!
//! # Bases
//!
//! * tiktoken's rule: the built-ins (`o200k_base`, ...) and `.tiktoken` files; written as
//!   `.tiktoken` (default) or `tokenizer.json`;
//! * Hugging Face's rule: a byte-level BPE `tokenizer.json` (Llama 3, Qwen3); written as
//!   `tokenizer.json`;
//! * SentencePiece's rule: a SentencePiece BPE `.model` (Mistral v0.1/v0.3, KoGPT2, Llama 2),
//!   written as a `.model`, the base's bytes with the new pieces appended (module `spm`: its
//!   words, symbols and candidates, and why appending pieces is safe).
//!
//! Refused, each with its reason: a Mistral `tekken.json` (ids shifted past the special
//! tokens), a `tokenizer.json` that is not byte-level BPE (WordPiece, Unigram, byte fallback),
//! a SentencePiece Unigram model (no merges to continue), a SentencePiece vocabulary from a
//! GGUF file (no `.model` to extend), and a SentencePiece model with `UNUSED` pieces or with a
//! piece that has `▁` after another character.
//!
//! # Guarantees
//!
//! * **Stable ids.** Every token of the base keeps its id and its bytes, special tokens keep
//!   theirs, and the new tokens take the ids after the highest id in use (for `o200k_base`,
//!   whose `<|endofprompt|>` is 200018, the first new id is 200019; for a `.model`, the
//!   base's size). A SentencePiece piece also keeps its text, score and type.
//! * **Base-language invariance.** Every new token passes [`Script::marks`]: its bytes can only
//!   occur in text that has a character of the target script. A text without such a character
//!   therefore encodes exactly as under the base, token for token.
//! * **Exact semantics.** The merge loop re-encodes the words a new token touches with the exact
//!   rule of the base's format, so the counts it picks from are the counts the encoder would see:
//!   * for a `.tiktoken` base (tiktoken's rule: any adjacent pair whose concatenation is a token
//!     merges, lowest rank first), the words containing *any* split of the new token into two
//!     tokens are re-encoded with [`fairtok_core::tiktoken::encode_piece_with`]. The new token
//!     has the highest rank, so a word changes only where its current (final) tokens hold such a
//!     pair: nothing else needs looking at;
//!   * for a `tokenizer.json` base (Hugging Face's rule: listed merges, by list position) the new
//!     merge is appended to the list, so it applies only after every existing merge: its pair is
//!     replaced left to right in the words that hold it. Pairs whose concatenation is already a
//!     token are skipped (they would alias an existing id);
//!   * for a SentencePiece base (merges by piece score) the new piece scores below every piece
//!     before it, so a word changes only where two of its final symbols concatenate to it:
//!     those words are re-encoded with SentencePiece's BPE over the base and the new pieces
//!     ([`fairtok_core::spm::SpmModel::bpe_with`]). A character of the script that is no
//!     piece (with byte fallback, its UTF-8 bytes as byte pieces) may also become a piece.
//!
//! # Algorithm
//!
//! 1. Count the pieces of every input with the base's pre-tokenizer pattern (for a
//!    SentencePiece base: its normalized text, cut where BPE cannot join); keep the pieces
//!    that contain a character of the target script (the others can never change). Input
//!    weights scale the counts (`kor_Hang@0.5=laws.txt`).
//! 2. Encode each distinct piece with the base: these are the words, one per (piece, language).
//! 3. Count adjacent pairs, weighted; keep a per-pair list of the words holding it and a max-heap
//!    with lazy deletion (ties go to the smaller `(left, right)`, so runs are deterministic). A
//!    pair whose count grows gets a fresh entry; an entry found stale at the top is pushed back
//!    with the pair's current count when that fell (a pair loses count when a new token takes
//!    one of its halves), so no candidate is lost.
//! 4. Repeat until `add` tokens exist: pop the most frequent pair that passes the checks (the
//!    script test, `max_token_bytes`), give its concatenation the next id, re-encode the words
//!    it touches and update the pair counts by the difference.
//!
//! **Parity-aware selection** (Foroutan et al. 2025): with a parallel dev set, the dev lines of
//! every input language are also kept as words (they take no part in the counts), so each
//! language's dev token count is exact after every step. [`crate::parity::Selector`] (the rule
//! `fairtok train` uses too: parity, hybrid, moving window) names the language whose dev text
//! is the longest, that is the highest premium, and that language's best candidate is taken; a
//! language with none left gives way to the next. The premium against the pivot is recorded
//! after every step.
//!
//! # Cost
//!
//! Time: one base encoding per distinct piece, then per merge the words it touches (each
//! re-encoded in `O(n log n)` for `n` bytes). Memory: the distinct pieces (bytes + ids, about
//! `9 × bytes + 40` per piece), the pair table and the per-pair word lists (4 bytes per entry).
//! Measured for `o200k_ko` in `BENCHMARKS.md`.

use std::path::{Path, PathBuf};

use fairtok_core::{Format, Tokenizer};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Result, Setting, TrainError};
use crate::script::Script;
use crate::{OutputFormat, PieceCounts};

mod learn;
mod spm;
pub use learn::{check_options, extend_counts};
use spm::SpmBase;

/// The base vocabulary being extended.
pub struct Base {
    /// The base's exact encoder.
    pub tokenizer: Tokenizer,
    /// The pre-tokenizer pattern (tiktoken's dialect), which the pieces are counted with; for
    /// a SentencePiece base it splits the normalized text ([`Base::normalizer`]).
    pub pattern: String,
    kind: Kind,
    /// Ordinary token bytes by id; empty for ids that are not ordinary tokens.
    tokens: Vec<Vec<u8>>,
    ids: FxHashMap<Vec<u8>, u32>,
    specials: Vec<(String, u32)>,
    first_new_id: u32,
}

enum Kind {
    /// tiktoken's rule.
    Ranks,
    /// A `tokenizer.json` document with a byte-level BPE model.
    Hf {
        doc: serde_json::Value,
        /// Whether the file writes merges as `"a b"` strings (else `["a", "b"]` pairs).
        string_merges: bool,
    },
    /// A SentencePiece BPE `.model` (SentencePiece's rule: merges by piece score).
    Spm(Box<SpmBase>),
}

impl std::fmt::Debug for Base {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Base")
            .field("name", &self.tokenizer.name())
            .field("first_new_id", &self.first_new_id)
            .finish()
    }
}

impl Base {
    /// Loads a base: a built-in name (`o200k_base`, `cl100k_base`, ...), a `.tiktoken` file,
    /// a byte-level BPE `tokenizer.json` (Llama 3, Qwen3, ...) or a SentencePiece BPE
    /// `.model` (Mistral, KoGPT2, ...).
    pub fn load(spec: &str) -> Result<Base> {
        let (tokenizer, file) = Tokenizer::load_with_bytes(spec, &Default::default())?;
        if tokenizer.format() == Format::SentencePiece {
            let (base, tokens) = SpmBase::load(spec, file)?;
            return Ok(Base::new(
                tokenizer,
                spm::PARTS.to_owned(),
                Kind::Spm(Box::new(base)),
                tokens,
            ));
        }
        let pattern = tokenizer
            .pattern()
            .ok_or_else(|| {
                TrainError::Usage(format!(
                    "{spec}: the base has no regex pre-tokenizer; extension needs a byte-level BPE with one"
                ))
            })?
            .to_owned();
        let (kind, tokens) = match tokenizer.format() {
            Format::Tekken => {
                return Err(TrainError::Usage(format!(
                    "{spec}: a Mistral tekken file cannot be an extension base yet (its ids are ranks shifted past the special tokens, which the written vocabularies cannot express)"
                )))
            }
            Format::Gguf => {
                return Err(TrainError::Usage(format!(
                    "{spec}: a GGUF file cannot be an extension base (llama.cpp's pre-tokenizers are not one regex)"
                )))
            }
            Format::Tiktoken => {
                let special_ids: FxHashSet<u32> =
                    tokenizer.special_tokens().iter().map(|s| s.1).collect();
                let tokens = (0..tokenizer.n_vocab() as u32)
                    .map(|id| match tokenizer.token_bytes(id) {
                        Some(b) if !special_ids.contains(&id) => b.to_vec(),
                        _ => vec![],
                    })
                    .collect();
                (Kind::Ranks, tokens)
            }
            // (A SentencePiece model was taken above.)
            Format::HuggingFace | Format::SentencePiece => {
                hf_base(spec, &tokenizer, file.unwrap_or_default())?
            }
        };
        let base = Base::new(tokenizer, pattern, kind, tokens);
        if (0..=255u8).any(|b| !base.ids.contains_key(&[b][..])) {
            return Err(TrainError::Usage(format!(
                "{spec}: not a byte-level vocabulary (some single bytes are not tokens)"
            )));
        }
        Ok(base)
    }

    /// The base over `tokens` (bytes by id, empty for ids that are no ordinary token).
    fn new(tokenizer: Tokenizer, pattern: String, kind: Kind, tokens: Vec<Vec<u8>>) -> Base {
        let mut ids = FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
        for (id, t) in tokens.iter().enumerate() {
            if !t.is_empty() {
                ids.insert(t.clone(), id as u32);
            }
        }
        let specials = tokenizer.special_tokens();
        let first_new_id = tokens
            .len()
            .max(tokenizer.n_vocab())
            .max(specials.iter().map(|s| s.1 as usize + 1).max().unwrap_or(0))
            as u32;
        Base {
            tokenizer,
            pattern,
            kind,
            tokens,
            ids,
            specials,
            first_new_id,
        }
    }

    /// The id the first new token gets: one above the highest id in use.
    pub fn first_new_id(&self) -> u32 {
        self.first_new_id
    }

    /// Whether the base follows tiktoken's rule.
    pub fn is_tiktoken(&self) -> bool {
        matches!(self.kind, Kind::Ranks)
    }

    /// Whether the base is a SentencePiece `.model` (SentencePiece's rule).
    pub fn is_sentencepiece(&self) -> bool {
        matches!(self.kind, Kind::Spm(_))
    }

    /// The SentencePiece base, if it is one.
    pub(crate) fn spm(&self) -> Option<&SpmBase> {
        match &self.kind {
            Kind::Spm(b) => Some(b),
            _ => None,
        }
    }

    /// How records are rewritten before their words are counted: a SentencePiece base's
    /// normalizer (without a record's line ending), whose output [`Base::pattern`] splits;
    /// `None` for the other bases, whose pattern splits the text as it is.
    pub fn normalizer(&self) -> Option<crate::count::Normalize> {
        self.spm().map(|b| b.normalizer())
    }

    /// The format an extension of this base is written in by default: the base's own.
    pub fn default_format(&self) -> OutputFormat {
        match self.kind {
            Kind::Ranks => OutputFormat::Tiktoken,
            Kind::Hf { .. } => OutputFormat::Hf,
            Kind::Spm(_) => OutputFormat::SentencePiece,
        }
    }

    /// Fails unless an extension of this base can be written in `format`: a tiktoken-rule
    /// base as `.tiktoken` or `tokenizer.json`, a `tokenizer.json` base as `tokenizer.json`
    /// (its merge list is not tiktoken's rule), a SentencePiece base as `.model` only.
    pub fn check_format(&self, format: OutputFormat) -> Result<()> {
        let refused = match (&self.kind, format) {
            (Kind::Spm(_), OutputFormat::SentencePiece) => return Ok(()),
            (Kind::Spm(_), _) => "a SentencePiece base is extended to a SentencePiece .model only (Hugging Face's and tiktoken's merge rules differ from its merges by score)",
            (_, OutputFormat::SentencePiece) => "only a SentencePiece base can be extended to a SentencePiece .model",
            (Kind::Hf { .. }, OutputFormat::Tiktoken) => "a tokenizer.json base (Hugging Face's merge rule) can only be extended to a tokenizer.json",
            _ => return Ok(()),
        };
        Err(TrainError::invalid(
            Setting::Format,
            format!("{}: {refused}", self.tokenizer.name()),
        ))
    }
}

/// The kind and token bytes of a `tokenizer.json` base, whose document is `data`: a
/// byte-level BPE model, kept for the output.
fn hf_base(spec: &str, tokenizer: &Tokenizer, data: Vec<u8>) -> Result<(Kind, Vec<Vec<u8>>)> {
    let path = PathBuf::from(spec);
    let bad = |reason: &str| TrainError::File {
        path: path.clone(),
        reason: reason.to_owned(),
    };
    let doc: serde_json::Value =
        serde_json::from_slice(&data).map_err(|e| bad(&format!("not valid JSON: {e}")))?;
    let model = &doc["model"];
    if model["type"] != "BPE" || model["byte_fallback"] == true {
        return Err(bad(
            "extension supports byte-level BPE models (model.type BPE without byte_fallback)",
        ));
    }
    let merges = model["merges"]
        .as_array()
        .ok_or_else(|| bad("model.merges is not a list"))?;
    let string_merges = merges.first().is_none_or(|m| m.is_string());
    let vocab = model["vocab"]
        .as_object()
        .ok_or_else(|| bad("model.vocab is not an object"))?;
    let n = vocab.values().filter_map(|v| v.as_u64()).max().unwrap_or(0) as usize + 1;
    let mut tokens = vec![vec![]; n];
    for id in vocab.values().filter_map(|v| v.as_u64()) {
        if let Some(b) = tokenizer.token_bytes(id as u32) {
            tokens[id as usize] = b.to_vec();
        }
    }
    Ok((Kind::Hf { doc, string_merges }, tokens))
}

/// One weighted input language.
#[derive(Debug)]
pub struct WeightedCounts {
    /// The language tag.
    pub lang: String,
    /// Multiplies the counts.
    pub weight: f64,
    /// The pieces, counted with the base's pattern.
    pub counts: PieceCounts,
}

/// A parallel dev set for parity-aware selection.
#[derive(Debug, Clone)]
pub struct ParityDev {
    /// The pivot language's token count on its dev text (under the base; it has no character of
    /// the target script, so it does not change).
    pub pivot_tokens: u64,
    /// For each input language (by tag), its dev lines.
    pub lines: Vec<(String, Vec<String>)>,
    /// The selection rule: parity-aware, hybrid or windowed ([`crate::parity`]).
    pub selection: crate::ParityOptions,
}

impl ParityDev {
    /// [`ParityDev::pivot_tokens`] for the pivot language `pivot` with `pivot_lines`, counted
    /// under `base`. The pivot must have no character of `script`: its token count is the
    /// fixed denominator of every premium.
    pub fn count_pivot(
        base: &Base,
        script: &Script,
        pivot: &str,
        pivot_lines: &[String],
    ) -> Result<u64> {
        if pivot_lines.iter().any(|l| script.occurs_in(l.as_bytes())) {
            return Err(TrainError::Usage(format!(
                "the pivot {pivot} has characters of the script {}: its dev premium would move as tokens are added",
                script.name()
            )));
        }
        let mut pivot_tokens = 0;
        for l in pivot_lines {
            pivot_tokens += base.tokenizer.count(l)? as u64;
        }
        Ok(pivot_tokens)
    }
}

/// What to do.
#[derive(Debug, Clone)]
pub struct ExtendOptions {
    /// How many tokens to add.
    pub add: usize,
    /// Pairs seen fewer times (after weighting) are not merged.
    pub min_frequency: u64,
    /// No new token longer than this many bytes.
    pub max_token_bytes: Option<usize>,
    /// The script every new token must mark.
    pub script: Script,
    /// Also consider whole pieces as new tokens (tiktoken-rule bases only): a piece that is a
    /// token is that token, without merges, so a frequent word costs one slot instead of a
    /// chain of intermediate tokens. Each step takes whichever saves more tokens now: the most
    /// frequent pair, or the piece with the largest count × (its tokens − 1).
    pub whole_pieces: bool,
    /// With `whole_pieces`: a piece is taken over the best pair only if its saving is at least
    /// `piece_bias` times the pair's count (1: plain greedy). A pair also enables later merges,
    /// which its count does not show, so values above 1 favour pairs.
    pub piece_bias: f64,
}

/// The added tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    /// The id of `tokens[0]`.
    pub first_id: u32,
    /// The bytes of each new token, in id order; for a SentencePiece base, the piece's text
    /// in UTF-8 (`▁`, U+2581, for a space).
    pub tokens: Vec<Vec<u8>>,
    /// The pair each new token was made from, or `None` for a whole-piece token or, for a
    /// SentencePiece base, a character that becomes a piece.
    pub merges: Vec<Option<(u32, u32)>>,
    /// The weighted saving (in tokens) of each new token when it was chosen: its pair count, or
    /// for a whole-piece token its count times its length in tokens minus one.
    pub counts: Vec<u64>,
    /// Which input language chose each merge (parity-aware selection), or `None` (global).
    pub chosen_by: Vec<Option<usize>>,
    /// Dev premium of each input language after each merge (parity-aware selection only).
    pub dev_premium: Vec<Vec<f64>>,
}

impl Extension {
    /// All ordinary tokens by id (base and new; empty for holes).
    fn all_tokens(&self, base: &Base) -> Vec<Vec<u8>> {
        let mut all = base.tokens.clone();
        all.resize(self.first_id as usize, vec![]);
        all.extend(self.tokens.iter().cloned());
        all
    }

    /// The merges of a `tokenizer.json` for a tiktoken-rule base, in rank order, so that
    /// Hugging Face's rule (listed pairs, by position) gives tiktoken's ids:
    ///
    /// * each base token's merge is its bytes encoded with the lower ranks (which gives two
    ///   tokens for every vocabulary trained by BPE), as the usual tiktoken conversion does;
    /// * tiktoken's rule merges *any* adjacent pair whose concatenation is a token, and with
    ///   new tokens there are new such pairs: a new token followed by a byte may spell a base
    ///   token, or a lower-ranked new token. So every split of a token into two tokens of which
    ///   one is new is listed too, at that token's place.
    fn derived_merges(&self, base: &Base, all: &[Vec<u8>]) -> Result<Vec<(u32, u32)>> {
        let mut ids: FxHashMap<&[u8], u32> = FxHashMap::default();
        for (id, t) in all.iter().enumerate() {
            if !t.is_empty() {
                ids.insert(t, id as u32);
            }
        }
        let mut by_rank: Vec<(u32, &[u8])> = all
            .iter()
            .enumerate()
            .filter(|(_, t)| t.len() >= 2)
            .map(|(i, t)| (i as u32, t.as_slice()))
            .collect();
        by_rank.sort_unstable();
        let mut merges = vec![];
        for (rank, t) in by_rank {
            let below = |b: &[u8]| ids.get(b).copied().filter(|&r| r < rank);
            let first = if rank < self.first_id {
                let parts = fairtok_core::tiktoken::encode_piece_with(t, below)
                    .expect("every byte is a token");
                if parts.len() != 2 {
                    return Err(TrainError::invalid(
                        Setting::Format,
                        format!(
                            "{}: token {rank} is not reachable by one merge of lower-ranked tokens, so the vocabulary has no tokenizer.json form; write it as .tiktoken",
                            base.tokenizer.name()
                        ),
                    ));
                }
                merges.push((parts[0], parts[1]));
                Some((parts[0], parts[1]))
            } else {
                None
            };
            for s in 1..t.len() {
                if let (Some(&l), Some(&r)) = (ids.get(&t[..s]), ids.get(&t[s..])) {
                    let new = l >= self.first_id || r >= self.first_id;
                    if (new || rank >= self.first_id) && first != Some((l, r)) {
                        merges.push((l, r));
                    }
                }
            }
        }
        Ok(merges)
    }

    /// The `tokenizer.json` text of the extended vocabulary (not for a SentencePiece base).
    pub fn tokenizer_json(&self, base: &Base, name: &str) -> Result<String> {
        match &base.kind {
            Kind::Spm(_) => Err(base
                .check_format(OutputFormat::Hf)
                .expect_err("a SentencePiece base has no tokenizer.json form")),
            Kind::Ranks => {
                let all = self.all_tokens(base);
                let merges = self.derived_merges(base, &all)?;
                // A tokenizer.json holds one added token per id (Hugging Face renumbers a
                // second one, and every added token after it): of several names of one id
                // (o200k_harmony's 200018) only the one the id decodes to is written.
                let specials: Vec<(String, u32)> = base
                    .specials
                    .iter()
                    .filter(|(s, id)| base.tokenizer.token_bytes(*id) == Some(s.as_bytes()))
                    .cloned()
                    .collect();
                let v = fairtok_core::write::Vocab {
                    name,
                    tokens: &all,
                    merges: &merges,
                    specials: &specials,
                    pattern: &base.pattern,
                };
                Ok(fairtok_core::write::tokenizer_json(&v)?)
            }
            Kind::Hf { doc, string_merges } => {
                let map = fairtok_core::write::byte_level_chars();
                let text = |b: &[u8]| -> String { b.iter().map(|&x| map[x as usize]).collect() };
                let mut doc = doc.clone();
                let added: Vec<(String, u64)> = doc["added_tokens"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| Some((t["content"].as_str()?.to_owned(), t["id"].as_u64()?)))
                    .collect();
                let model = &mut doc["model"];
                let vocab = model["vocab"].as_object_mut().expect("checked at load");
                // Hugging Face numbers an added token that is not in the model's vocabulary
                // after the vocabulary's *length*, whatever id the file gives it. With new
                // tokens above them, the added tokens must therefore be in the vocabulary under
                // their own ids (as GPT-2's `<|endoftext|>` is), or their ids would shift.
                for (content, id) in added {
                    vocab.entry(content).or_insert(id.into());
                }
                for (i, t) in self.tokens.iter().enumerate() {
                    vocab.insert(text(t), (self.first_id + i as u32).into());
                }
                let max = vocab.values().filter_map(|v| v.as_u64()).max().unwrap_or(0);
                if max + 1 != vocab.len() as u64 {
                    return Err(TrainError::Usage(format!(
                        "{}: the ids of the base's vocabulary and added tokens are not contiguous ({} entries, highest id {max}), so Hugging Face would renumber them",
                        base.tokenizer.name(),
                        vocab.len()
                    )));
                }
                let merges = model["merges"].as_array_mut().expect("checked at load");
                let tok = |id: u32| -> String {
                    if id >= self.first_id {
                        text(&self.tokens[(id - self.first_id) as usize])
                    } else {
                        text(&base.tokens[id as usize])
                    }
                };
                for &(a, b) in self.merges.iter().flatten() {
                    merges.push(if *string_merges {
                        format!("{} {}", tok(a), tok(b)).into()
                    } else {
                        serde_json::json!([tok(a), tok(b)])
                    });
                }
                let mut s = serde_json::to_string(&doc).expect("JSON values serialize");
                s.push('\n');
                Ok(s)
            }
        }
    }

    /// The extended tokenizer, ready to encode.
    pub fn tokenizer(&self, base: &Base, name: &str) -> Result<Tokenizer> {
        Ok(match &base.kind {
            Kind::Ranks => {
                let ranks = self
                    .all_tokens(base)
                    .into_iter()
                    .enumerate()
                    .filter(|(_, t)| !t.is_empty())
                    .map(|(i, t)| (t, i as u32))
                    .collect();
                Tokenizer::from_ranks(
                    name,
                    "extended",
                    ranks,
                    &base.pattern,
                    base.specials.clone(),
                )?
            }
            Kind::Hf { .. } => Tokenizer::from_tokenizer_json(
                self.tokenizer_json(base, name)?.as_bytes(),
                name,
                "extended",
            )?,
            Kind::Spm(b) => {
                Tokenizer::from_sentencepiece(&b.model_bytes(&self.tokens), name, "extended")?
            }
        })
    }

    /// The `.model` bytes of an extended SentencePiece base: the base's bytes, then the new
    /// pieces (type `NORMAL`, scores below every score of the base, each below the one
    /// before) and the new `trainer_spec.vocab_size`. `None` for another base.
    pub fn sentencepiece_model(&self, base: &Base) -> Option<Vec<u8>> {
        base.spm().map(|b| b.model_bytes(&self.tokens))
    }

    /// Writes the extended vocabulary to `path` (atomically) in `format`. Returns the files
    /// written. The formats each base can be written in: [`Base::check_format`].
    pub fn write(
        &self,
        base: &Base,
        path: &Path,
        format: OutputFormat,
        name: &str,
    ) -> Result<Vec<PathBuf>> {
        base.check_format(format)?;
        match format {
            OutputFormat::SentencePiece => {
                let data = self.sentencepiece_model(base).expect("checked");
                fairtok_core::write::write_atomic(path, &data)?;
                Ok(vec![path.to_owned()])
            }
            OutputFormat::Hf => {
                fairtok_core::write::write_atomic(
                    path,
                    self.tokenizer_json(base, name)?.as_bytes(),
                )?;
                Ok(vec![path.to_owned()])
            }
            OutputFormat::Tiktoken => {
                let all = self.all_tokens(base);
                let v = fairtok_core::write::Vocab {
                    name,
                    tokens: &all,
                    merges: &[],
                    specials: &base.specials,
                    pattern: &base.pattern,
                };
                fairtok_core::write::write_tiktoken(path, &v)?;
                Ok(vec![
                    path.to_owned(),
                    fairtok_core::write::sidecar_path(path),
                ])
            }
        }
    }

    /// The extension a built-in ships (`o200k_ko`), with its base; `None` for a name that is
    /// not a built-in extension. The base carries the built-in's own pattern, which is not the
    /// base's when the extension brings one (`o200k_ko_sw`), so that the extension is written
    /// with it.
    pub fn of_builtin(name: &str) -> Result<Option<(Base, Extension)>> {
        let Some(b) = fairtok_core::builtin::find(name) else {
            return Ok(None);
        };
        let Some(base_name) = b.extends else {
            return Ok(None);
        };
        let mut base = Base::load(base_name)?;
        b.pattern.clone_into(&mut base.pattern);
        let mut added = b.added_tokens();
        added.sort_by_key(|a| a.1);
        let first_id = base.first_new_id;
        if added
            .iter()
            .enumerate()
            .any(|(i, a)| a.1 != first_id + i as u32)
        {
            return Err(TrainError::Usage(format!(
                "{name}: the added tokens do not take the ids from {first_id} on"
            )));
        }
        let mut ext = Extension::empty(&base);
        ext.tokens = added.into_iter().map(|a| a.0).collect();
        ext.merges = vec![None; ext.tokens.len()];
        ext.counts = vec![0; ext.tokens.len()];
        ext.chosen_by = vec![None; ext.tokens.len()];
        Ok(Some((base, ext)))
    }

    /// No added tokens: writing it converts the base to the other format.
    pub fn empty(base: &Base) -> Extension {
        Extension {
            first_id: base.first_new_id,
            tokens: vec![],
            merges: vec![],
            counts: vec![],
            chosen_by: vec![],
            dev_premium: vec![],
        }
    }

    /// The added tokens alone as `.tiktoken` lines (`base64 id`), the form a built-in ships.
    pub fn added_ranks(&self) -> String {
        let mut all = vec![vec![]; self.first_id as usize];
        all.extend(self.tokens.iter().cloned());
        fairtok_core::write::tiktoken_ranks(&all)
    }
}
