//! [`Tokenizer`]: one type for every supported format, with the encoding rule of each format's
//! reference library.

use crate::builtin;
use crate::error::{Error, Result, Setting};
use crate::hf::HfModel;
use crate::pattern;
use crate::spm::SpmModel;
use crate::task::Task;
use crate::tekken;
use crate::tiktoken::{self, TiktokenModel};

mod files;

/// The span of text [`Tokenizer::encode_parallel_each`] encodes at a time on each thread.
pub const STREAM_SPAN: usize = 16 << 20;

/// Which reference library a tokenizer follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A `.tiktoken` rank file (or a built-in): tiktoken's rules.
    Tiktoken,
    /// A Hugging Face `tokenizer.json`, or a WordPiece `vocab.txt` (read as tokenizers'
    /// `BertWordPieceTokenizer`): Hugging Face tokenizers' rules.
    HuggingFace,
    /// A Mistral `tekken.json` (version v3 and later): mistral-common's `Tekkenizer`, which is
    /// tiktoken with ids shifted past the special tokens (see [`crate::tekken`]).
    Tekken,
    /// A SentencePiece `.model` file (BPE or Unigram): the SentencePiece library's rules
    /// (see [`crate::spm`]). Also a llama.cpp `.gguf` file with a `llama` (SentencePiece-style)
    /// vocabulary, encoded with llama.cpp's rules.
    SentencePiece,
    /// A llama.cpp `.gguf` file with a `gpt2` (byte-level BPE), `bert` (WordPiece) or `t5`
    /// (Unigram) vocabulary: llama.cpp's rules (see [`crate::llama_cpp`]).
    Gguf,
}

/// Which special tokens written in the text are recognised as such.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Specials {
    /// The format's default: none for tiktoken (`encode_ordinary`), all added tokens for
    /// Hugging Face (`encode(text, add_special_tokens=False)`).
    #[default]
    Default,
    /// All special tokens (tiktoken's `allowed_special="all"`).
    All,
    /// No special token: its text is ordinary text. For `tokenizer.json`, tokens marked
    /// `special` are not matched (non-special added tokens still are, as in HF).
    None,
    /// Only these (tiktoken's `allowed_special={...}`).
    Only(Vec<String>),
}

/// How to encode.
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Which special tokens to recognise.
    pub specials: Specials,
    /// Add the post-processor's tokens (BOS/EOS), as HF's `add_special_tokens=True`.
    pub add_special: bool,
}

/// How to load a tokenizer from a path.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The pre-tokenizer pattern of a `.tiktoken` file: a name from [`pattern::NAMED`] or a regex.
    pub pattern: Option<String>,
    /// Lower-case (and strip accents from) the text before a WordPiece `vocab.txt` encodes
    /// it, as `BertWordPieceTokenizer(vocab, lowercase=True)` (BERT uncased). Off by default:
    /// the cased vocabularies need it off. Only for `vocab.txt` files.
    pub lowercase: bool,
}

#[derive(Debug)]
// One engine per loaded tokenizer: the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Engine {
    Tiktoken(TiktokenModel),
    Hf(HfModel),
    Spm(SpmModel),
    Gguf(crate::llama_cpp::GgufModel),
}

/// A loaded tokenizer: encodes text to ids and decodes ids to bytes, exactly as its reference
/// library does.
#[derive(Debug)]
pub struct Tokenizer {
    name: String,
    origin: String,
    engine: Engine,
    format: Format,
    /// id → bytes (empty for ids the vocabulary does not use).
    decoder: Decoder,
    /// id → bytes in the first position, where that differs (WordPiece's decoder).
    first_decoder: Option<Decoder>,
    pattern: Option<String>,
}

impl Tokenizer {
    /// Loads a built-in encoding by name (see [`builtin::BUILTINS`]).
    pub fn builtin(name: &str) -> Result<Tokenizer> {
        builtin::find(name)
            .ok_or_else(|| Error::UnknownTokenizer(name.to_owned()))
            .and_then(Tokenizer::builtin_from)
    }

    fn builtin_from(b: &builtin::Builtin) -> Result<Tokenizer> {
        let origin = format!("built-in ({}, bundled)", b.ranks_file);
        let mut ranks = tiktoken::RankList::from_packed(b.ranks);
        if !b.added_packed.is_empty() {
            ranks.append(&tiktoken::RankList::from_packed(b.added_packed), &origin)?;
        }
        let specials = b
            .specials
            .iter()
            .map(|(s, i)| (s.to_string(), *i))
            .collect();
        Tokenizer::from_tokens(b.name, &origin, ranks.iter(), b.pattern, specials)
    }

    /// Builds a tiktoken-style tokenizer from ranks, a pattern and special tokens. An id with
    /// several special names encodes from each and decodes to the smallest (byte order). Ranks
    /// and special ids must be below `2 × (ranks + specials) + 1024` (see [`Error::Vocab`]).
    pub fn from_ranks(
        name: &str,
        origin: &str,
        ranks: Vec<(Vec<u8>, u32)>,
        pattern: &str,
        specials: Vec<(String, u32)>,
    ) -> Result<Tokenizer> {
        let tokens = ranks.iter().map(|(b, r)| (&b[..], *r));
        let limit = id_limit(tokens.len() + specials.len());
        let far = tokens
            .clone()
            .map(|(b, id)| (String::from_utf8_lossy(b).into_owned(), id, "token"))
            .chain(
                specials
                    .iter()
                    .map(|(s, id)| (s.clone(), *id, "special token")),
            )
            .find(|t| u64::from(t.1) >= limit);
        if let Some((text, id, what)) = far {
            return Err(Error::Vocab {
                path: origin.to_owned(),
                reason: format!("{what} {text:?} has {}", far_id(id, limit)),
            });
        }
        Tokenizer::from_tokens(name, origin, tokens, pattern, specials)
    }

    /// [`Tokenizer::from_ranks`] over `(bytes, rank)` pairs.
    fn from_tokens<'a>(
        name: &str,
        origin: &str,
        tokens: impl ExactSizeIterator<Item = (&'a [u8], u32)> + Clone + Send,
        pattern: &str,
        specials: Vec<(String, u32)>,
    ) -> Result<Tokenizer> {
        let n = tokens
            .clone()
            .map(|r| r.1)
            .chain(specials.iter().map(|s| s.1))
            .max()
            .map_or(0, |m| m as usize + 1);
        // A special id that is also a rank would encode from two texts and decode as the
        // special token (tiktoken decodes the rank's bytes): such a vocabulary is broken
        // (found by fuzzing the `.tiktoken` loader), so it is refused, naming both.
        if !specials.is_empty() {
            let mut rank_at = vec![None; n];
            for (b, r) in tokens.clone() {
                rank_at[r as usize] = Some(b);
            }
            if let Some((s, id, b)) = specials
                .iter()
                .find_map(|(s, id)| rank_at[*id as usize].map(|b| (s, id, b)))
            {
                return Err(Error::Vocab {
                    path: origin.to_owned(),
                    reason: format!(
                        "special token {s:?} has id {id}, which is the rank of the token {:?}",
                        String::from_utf8_lossy(b)
                    ),
                });
            }
        }
        // Of several special names of one id, the id decodes to the smallest (byte order),
        // whatever order they come in: the decoder keeps an id's last bytes, so each id's
        // names go largest first. (tiktoken keeps whichever its hash map iterates last; for
        // o200k_harmony's 200018 that is `<|endofprompt|>`, the smaller of its two names.)
        let mut decoded: Vec<&(String, u32)> = specials.iter().collect();
        decoded.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        // The decoder and the model's tables are built at once, on two threads: loading is
        // the part of a short job that nothing else overlaps.
        let (decoder, model) = std::thread::scope(|scope| {
            let (mine, decoded) = (tokens.clone(), &decoded);
            let decoder = Task::spawn(scope, move || {
                Decoder::new(
                    n,
                    mine.map(|(b, r)| (r, b))
                        .chain(decoded.iter().map(|(s, id)| (*id, s.as_bytes()))),
                )
            });
            let model = TiktokenModel::build(tokens.clone(), pattern, specials.clone(), origin);
            (decoder.join(), model)
        });
        let model = model?;
        Ok(Tokenizer {
            name: name.to_owned(),
            origin: origin.to_owned(),
            engine: Engine::Tiktoken(model),
            format: Format::Tiktoken,
            decoder,
            first_decoder: None,
            pattern: Some(pattern.to_owned()),
        })
    }

    /// The tokenizer's name (built-in name, or the file's stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it came from (built-in, or the file path).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Which reference library it follows.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The kind of model: `"BPE"` (tiktoken, tekken and BPE `tokenizer.json` files) or
    /// `"WordPiece"` (WordPiece `tokenizer.json` and `vocab.txt` files).
    pub fn model_type(&self) -> &'static str {
        match &self.engine {
            Engine::Tiktoken(_) => "BPE",
            Engine::Hf(m) => m.model_type(),
            Engine::Spm(m) => m.model_type(),
            Engine::Gguf(m) => m.model_type(),
        }
    }

    /// One past the largest token id (tiktoken's `n_vocab`).
    pub fn n_vocab(&self) -> usize {
        self.decoder.len()
    }

    /// The pre-tokenizer pattern, if it has one.
    pub fn pattern(&self) -> Option<&str> {
        self.pattern.as_deref()
    }

    /// Special tokens (tiktoken) or added tokens marked special (HF), sorted by id.
    pub fn special_tokens(&self) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = match &self.engine {
            Engine::Tiktoken(m) => m.specials().to_vec(),
            Engine::Hf(m) => m
                .added_tokens()
                .iter()
                .filter(|t| t.special)
                .map(|t| (t.content.clone(), t.id))
                .collect(),
            Engine::Spm(m) => m.controls(),
            Engine::Gguf(m) => m.controls(),
        };
        out.sort_by_key(|s| s.1);
        out
    }

    /// The token the model gives for what it cannot spell (`[UNK]`, `<unk>`) and its id, if it
    /// has one: Hugging Face models with an unknown token, SentencePiece models. tiktoken-style
    /// byte-level vocabularies spell everything and have none.
    pub fn unknown_token(&self) -> Option<(String, u32)> {
        match &self.engine {
            Engine::Tiktoken(_) => None,
            Engine::Hf(m) => m.unknown(),
            Engine::Spm(m) => Some(m.unknown()),
            Engine::Gguf(m) => m.unknown(),
        }
    }

    /// The number of added tokens that are not special (HF only).
    pub fn added_non_special(&self) -> usize {
        match &self.engine {
            Engine::Tiktoken(_) | Engine::Spm(_) => 0,
            Engine::Hf(m) => m.added_tokens().iter().filter(|t| !t.special).count(),
            Engine::Gguf(m) => m.partition_len(),
        }
    }

    /// Encodes with the format's default rule (tiktoken's `encode_ordinary`, or HF's
    /// `encode(text, add_special_tokens=False)`).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        self.encode_with(text, &EncodeOptions::default())
    }

    /// Encodes with explicit options.
    pub fn encode_with(&self, text: &str, opts: &EncodeOptions) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3);
        self.encode_into(text, opts, &mut out)?;
        Ok(out)
    }

    /// Encodes, appending to `out`.
    pub fn encode_into(&self, text: &str, opts: &EncodeOptions, out: &mut Vec<u32>) -> Result<()> {
        let only: Vec<u32> = match &opts.specials {
            Specials::Only(names) => self.special_ids(names)?,
            _ => vec![],
        };
        match &self.engine {
            Engine::Tiktoken(m) => {
                if opts.add_special && self.format == Format::Tekken {
                    // mistral-common's `encode(text, bos=True, eos=False)`.
                    let bos = self.special_ids(&[tekken::BOS.to_owned()])?;
                    out.extend(bos);
                } else if opts.add_special {
                    return Err(Error::invalid(
                        Setting::AddSpecial,
                        format!(
                            "applies to tokenizer.json files; {} follows tiktoken, which adds no BOS/EOS",
                            self.name
                        ),
                    ));
                }
                match &opts.specials {
                    Specials::Default | Specials::None => m.encode_ordinary(text, out),
                    Specials::All => m.encode_with_special(text, &|_, _| true, out),
                    // By name, as tiktoken's `allowed_special` (`only` has checked the names).
                    Specials::Only(names) => {
                        m.encode_with_special(text, &|name, _| names.iter().any(|n| n == name), out)
                    }
                }
            }
            Engine::Hf(m) => {
                let allowed: &dyn Fn(u32) -> bool = match &opts.specials {
                    Specials::Default | Specials::All => &|_| true,
                    Specials::None => &|_| false,
                    Specials::Only(_) => &|id| only.contains(&id),
                };
                m.encode(text, allowed, opts.add_special, out)
            }
            Engine::Spm(m) => {
                if !matches!(opts.specials, Specials::Default | Specials::None) {
                    return Err(Error::invalid(
                        Setting::Specials,
                        format!(
                            "{} is a SentencePiece model, whose library reads control symbols in the text as ordinary text",
                            self.name
                        ),
                    ));
                }
                if opts.add_special {
                    // The library's `encode(text, add_bos=True)`, which fails without a BOS.
                    out.push(m.bos().ok_or_else(|| {
                        Error::invalid(
                            Setting::AddSpecial,
                            format!("{} has no BOS control symbol to add", self.name),
                        )
                    })?);
                }
                m.encode(text, out);
                Ok(())
            }
            Engine::Gguf(m) => {
                if !matches!(opts.specials, Specials::Default | Specials::None) {
                    return Err(Error::invalid(
                        Setting::Specials,
                        format!(
                            "{} is a GGUF file, encoded as llama.cpp does with parse_special = false (control tokens in the text are text)",
                            self.name
                        ),
                    ));
                }
                if opts.add_special {
                    return Err(Error::invalid(
                        Setting::AddSpecial,
                        format!(
                            "{} is a GGUF file, encoded as llama.cpp does without BOS/EOS",
                            self.name
                        ),
                    ));
                }
                m.encode(text, out)
            }
        }
    }

    /// The number of tokens [`Tokenizer::encode`] gives, without keeping the ids.
    pub fn count(&self, text: &str) -> Result<usize> {
        match &self.engine {
            Engine::Tiktoken(m) => m.count_ordinary(text),
            Engine::Hf(_) | Engine::Spm(_) | Engine::Gguf(_) => Ok(self.encode(text)?.len()),
        }
    }

    /// [`Tokenizer::encode_into`] of each of `texts` in turn, appended to `ids`; `ends` gets the
    /// length of `ids` after each text (text `i` is `ids[ends[i - 1]..ends[i]]`). The same ids
    /// as a call per text, and on the first error the same error, with the ids of the texts
    /// before it appended. Ordinary encoding with a tiktoken-style model shares one memo of
    /// pieces among the texts ([`TiktokenModel::encode_ordinary_each`]): a batch of short
    /// lines no longer takes and gives back a memo per line.
    pub fn encode_each(
        &self,
        texts: &[&str],
        opts: &EncodeOptions,
        ids: &mut Vec<u32>,
        ends: &mut Vec<usize>,
    ) -> Result<()> {
        match &self.engine {
            Engine::Tiktoken(m)
                if !opts.add_special
                    && matches!(opts.specials, Specials::Default | Specials::None) =>
            {
                m.encode_ordinary_each(texts, ids, ends)
            }
            _ => texts.iter().try_for_each(|text| {
                self.encode_into(text, opts, ids)?;
                ends.push(ids.len());
                Ok(())
            }),
        }
    }

    /// [`Tokenizer::count`] of each of `texts`, appended to `counts` (one memo of pieces for
    /// all of them, as [`Tokenizer::encode_each`]).
    pub fn count_each(&self, texts: &[&str], counts: &mut Vec<usize>) -> Result<()> {
        match &self.engine {
            Engine::Tiktoken(m) => m.count_ordinary_each(texts, counts),
            _ => texts.iter().try_for_each(|text| {
                counts.push(self.count(text)?);
                Ok(())
            }),
        }
    }

    /// [`Tokenizer::encode`] on up to `threads` threads. The text is cut only where the
    /// pre-tokenizer is known to split the same way on the parts as on the whole (before a
    /// letter that starts a line, for the built-in patterns), so the ids are identical to a
    /// single-threaded encode. Other tokenizers encode on one thread.
    pub fn encode_parallel(&self, text: &str, threads: usize) -> Result<Vec<u32>> {
        let Engine::Tiktoken(m) = &self.engine else {
            return self.encode(text);
        };
        let mut parts = m.in_parts(text, threads, |m, t| {
            let mut out = Vec::with_capacity(t.len() / 3);
            m.encode_ordinary(t, &mut out)?;
            Ok(out)
        })?;
        if parts.len() == 1 {
            return Ok(parts.pop().unwrap_or_default());
        }
        // Join the parts, each copied by its own thread (into pages that thread faults in).
        let mut out = vec![0u32; parts.iter().map(Vec::len).sum()];
        std::thread::scope(|scope| {
            let mut rest = out.as_mut_slice();
            for part in &parts {
                let (dst, tail) = std::mem::take(&mut rest).split_at_mut(part.len());
                rest = tail;
                Task::spawn(scope, move || dst.copy_from_slice(part));
            }
        });
        Ok(out)
    }

    /// [`Tokenizer::encode_parallel`] without holding every id: the text is cut (at the same
    /// safe points) into spans of about [`STREAM_SPAN`] bytes, `threads` spans are encoded at a
    /// time, and `sink` gets their ids in order. The ids held at once are those of `threads`
    /// spans, so encoding a text costs its own size plus a bounded amount, whatever its
    /// length. A pre-tokenizer that gives no safe cut, and a `tokenizer.json`, make one span.
    pub fn encode_parallel_each<E: From<Error>>(
        &self,
        text: &str,
        threads: usize,
        sink: impl FnMut(&[u32]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.encode_in_spans(text, threads, STREAM_SPAN, sink)
    }

    /// [`Tokenizer::encode_parallel_each`] with spans of about `span` bytes.
    fn encode_in_spans<E: From<Error>>(
        &self,
        text: &str,
        threads: usize,
        span: usize,
        mut sink: impl FnMut(&[u32]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let Engine::Tiktoken(m) = &self.engine else {
            return sink(&self.encode(text)?);
        };
        let threads = threads.max(1);
        let spans = (text.len() / span.max(1)).max(1).div_ceil(threads) * threads;
        let cuts = if spans > 1 && text.len() >= 1 << 20 {
            m.cut_points(text, spans)
        } else {
            vec![0, text.len()]
        };
        for group in cuts.windows(2).collect::<Vec<_>>().chunks(threads) {
            let (start, end) = (group[0][0], group[group.len() - 1][1]);
            let local: Vec<usize> = std::iter::once(0)
                .chain(group.iter().map(|w| w[1] - start))
                .collect();
            let parts = m.in_spans(&text[start..end], &local, |m, t| {
                let mut out = Vec::with_capacity(t.len() / 3);
                m.encode_ordinary(t, &mut out)?;
                Ok(out)
            })?;
            for part in parts {
                sink(&part)?;
            }
        }
        Ok(())
    }

    /// [`Tokenizer::count`] on up to `threads` threads (see [`Tokenizer::encode_parallel`]).
    pub fn count_parallel(&self, text: &str, threads: usize) -> Result<usize> {
        match &self.engine {
            Engine::Tiktoken(m) => Ok(m
                .in_parts(text, threads, |m, t| m.count_ordinary(t))?
                .into_iter()
                .sum()),
            Engine::Hf(_) | Engine::Spm(_) | Engine::Gguf(_) => self.count(text),
        }
    }

    fn special_ids(&self, names: &[String]) -> Result<Vec<u32>> {
        let specials = self.special_tokens();
        names
            .iter()
            .map(|n| {
                specials
                    .iter()
                    .find(|s| &s.0 == n)
                    .map(|s| s.1)
                    .ok_or_else(|| Error::UnknownSpecial {
                        token: n.clone(),
                        tokenizer: self.name.clone(),
                        available: specials
                            .iter()
                            .map(|s| s.0.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    })
            })
            .collect()
    }

    /// The bytes of one token, if the id is in the vocabulary.
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        self.decoder.get(id)
    }

    /// Where each token of `ids` lies in `text`, as byte ranges, when the tokens spell the
    /// text byte for byte (tiktoken-style vocabularies and byte-level `tokenizer.json` files
    /// without a normalizer: the ids of [`Tokenizer::encode`] always do). `None` when they do
    /// not: a normalizer changed the text, a SentencePiece `▁` stands for a space, a WordPiece
    /// `##` marks a continuation, or an id is unknown. A range may start or end inside a
    /// UTF-8 character (a token that holds part of it); `text.is_char_boundary` tells.
    pub fn token_offsets(&self, text: &str, ids: &[u32]) -> Option<Vec<(usize, usize)>> {
        if matches!(self.engine, Engine::Spm(_)) || self.first_decoder.is_some() {
            return None;
        }
        let text = text.as_bytes();
        let mut out = Vec::with_capacity(ids.len());
        let mut at = 0;
        for &id in ids {
            let bytes = self.token_bytes(id)?;
            let end = at + bytes.len();
            if text.get(at..end)? != bytes {
                return None;
            }
            out.push((at, end));
            at = end;
        }
        (at == text.len()).then_some(out)
    }

    /// Decodes ids to bytes, losslessly: `decode_bytes(encode(text)) == text` (for HF files
    /// with a normalizer, the normalized text).
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        if let Engine::Spm(m) = &self.engine {
            // Its rules span tokens (the leading `▁`, runs of byte pieces): decoded whole.
            if let Some((position, &id)) = ids
                .iter()
                .enumerate()
                .find(|(_, &id)| id as usize >= m.n_vocab())
            {
                return Err(self.unknown_id(id, position));
            }
            return Ok(m.decode(ids));
        }
        let mut out = Vec::with_capacity(ids.len() * 4);
        for (position, &id) in ids.iter().enumerate() {
            let Some(bytes) = self.token_bytes(id) else {
                return Err(self.unknown_id(id, position));
            };
            match (&self.first_decoder, position) {
                (Some(first), 0) => out.extend_from_slice(first.get(id).unwrap_or_default()),
                _ => out.extend_from_slice(bytes),
            }
        }
        Ok(match &self.engine {
            Engine::Tiktoken(_) | Engine::Spm(_) | Engine::Gguf(_) => out,
            Engine::Hf(m) => {
                let first = ids
                    .first()
                    .and_then(|&i| self.token_bytes(i))
                    .map_or(0, <[u8]>::len);
                m.finish_decode(out, first)
            }
        })
    }
}

impl Tokenizer {
    fn unknown_id(&self, id: u32, position: usize) -> Error {
        Error::UnknownId {
            id: id as u64,
            position,
            tokenizer: self.name.clone(),
            n_vocab: self.n_vocab(),
        }
    }
}

/// The bound on token ids: a vocabulary of `entries` tokens (special tokens included) has ids
/// below `2 × entries + 1024`. tiktoken and Hugging Face files have dense ids (`0..entries`,
/// with at most a few holes); fairtok keeps its tables indexed by id, so an id far beyond the
/// number of tokens (say 2^31 in a file of 100 lines) would make it allocate gigabytes. Such an
/// id is an error naming the file and the line or JSON path.
pub(crate) fn id_limit(entries: usize) -> u64 {
    2 * entries as u64 + 1024
}

/// The message for an id at or past [`id_limit`].
pub(crate) fn far_id(id: u32, limit: u64) -> String {
    format!(
        "id {id} is far beyond the number of tokens: ids must be below {limit} \
         (2 × the number of tokens + 1024; tokenizer ids are dense)"
    )
}

/// Token bytes by id, in one buffer (two allocations for the whole vocabulary, not one per token).
#[derive(Clone, Debug)]
struct Decoder {
    bytes: Vec<u8>,
    /// Token `id` is `bytes[ends[id - 1]..ends[id]]` (from 0 for id 0).
    ends: Vec<u32>,
    /// Bit `id` is set when the id is a token: a `tokenizer.json` token may decode to no bytes
    /// at all (a decoder that replaces `▁` with nothing), which is not the same as a hole.
    known: Vec<u64>,
}

impl Decoder {
    /// `n` ids; `tokens` gives `(id, bytes)` (ids below `n`; a later duplicate id wins).
    fn new<'a>(n: usize, tokens: impl Iterator<Item = (u32, &'a [u8])> + Clone) -> Decoder {
        let mut lens = vec![0u32; n];
        let mut known = vec![0u64; n.div_ceil(64)];
        for (id, b) in tokens.clone() {
            lens[id as usize] = b.len() as u32;
            known[id as usize / 64] |= 1 << (id % 64);
        }
        let mut ends = Vec::with_capacity(n);
        let mut total = 0u32;
        for l in &lens {
            total += l;
            ends.push(total);
        }
        let mut bytes = vec![0u8; total as usize];
        for (id, b) in tokens {
            // With duplicate ids, the last one's bytes (the one `lens` was sized for) stay.
            if lens[id as usize] as usize == b.len() {
                let end = ends[id as usize] as usize;
                bytes[end - b.len()..end].copy_from_slice(b);
            }
        }
        Decoder { bytes, ends, known }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, id: u32) -> Option<&[u8]> {
        let id = id as usize;
        let end = *self.ends.get(id)? as usize;
        if self.known[id / 64] & (1 << (id % 64)) == 0 {
            return None;
        }
        let start = if id == 0 {
            0
        } else {
            self.ends[id - 1] as usize
        };
        Some(&self.bytes[start..end])
    }
}

#[cfg(test)]
mod tests;
