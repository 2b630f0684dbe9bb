//! Streaming, parallel counting of pre-tokens.
//!
//! One reader thread decompresses and cuts the sources into batches of records; `threads`
//! workers validate UTF-8, pre-tokenize each record with the encoder's own regex engine
//! ([`fairtok_core::pattern::Regex::tiktoken`]) and count pieces in a per-batch map that borrows
//! the batch (no allocation per piece), then add those counts into a global table split in
//! [`SHARDS`] shards, each behind its own lock, so workers rarely wait for each other.
//!
//! # Memory bound
//!
//! At most `2 × threads + 2` batches of [`crate::corpus::BATCH_BYTES`] are alive (a batch
//! that ends with a long record holds up to [`crate::corpus::MAX_RECORD_BYTES`] more), plus the table
//! of distinct pieces: about `piece bytes + 20` bytes per distinct piece (an arena of bytes and a
//! 16-byte slot per piece in each shard). When the table holds
//! more than `max_pieces` distinct pieces, the rarest are pruned: every piece seen at most `t`
//! times is dropped, with `t = 1, 2, 4, ...` until at most half of `max_pieces` remain. Pruning
//! is reported ([`CountStats::pruned_pieces`], [`CountStats::prune_threshold`]); a piece pruned
//! early that comes back later starts again from zero, so its count is a lower bound (the
//! classical lossy-counting trade-off).
//!
//! # Determinism
//!
//! Workers pre-tokenize batches in parallel, but add their counts to the table in the order the
//! batches were read (`Batch::seq`): a worker whose batch is not next waits for its turn. The
//! table therefore goes through the same states whatever the number of threads, so pruning
//! (which depends on when the cap is crossed) drops the same pieces and the counts, and the
//! vocabulary trained from them, are identical for 1 or 64 threads. Adding a batch's local map
//! is cheap next to pre-tokenizing it, so the wait costs little.
//!
//! # Per-language counts
//!
//! With [`CountOptions::per_language`] (parity-aware training needs it), a piece is counted
//! separately for each language tag: the table's key is the piece followed by one byte, the
//! index of its language (so a piece found in two languages takes two entries). Each batch
//! comes from one source, hence one language, so workers count exactly as in the pooled mode
//! and only the final add into the table appends the byte. The pooled mode (the default) is
//! unchanged.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

use fairtok_core::pattern::Regex;
use rustc_hash::FxHashMap;

use crate::corpus::{self, Batch, RecordKind, Source};
use crate::error::{Result, TrainError};
use crate::shard::{hash, shard_of, Shard};
use crate::Progress;

mod memory;
mod records;
pub use memory::count_texts;
use records::{jsonl_texts, line_texts, utf8_record, STRICT_NOTE};

/// Number of shards of the global table.
pub const SHARDS: usize = 64;

/// How to count.
#[derive(Debug, Clone)]
pub struct CountOptions {
    /// The pre-tokenizer pattern (a regex in tiktoken's dialect).
    pub pattern: String,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// The cap on distinct pieces before the rarest are pruned.
    pub max_pieces: usize,
    /// Make a line that is not UTF-8 an error instead of skipping it.
    pub strict: bool,
    /// The text field of JSON lines.
    pub text_field: String,
    /// Count each piece per language tag (see the module docs) instead of pooled.
    pub per_language: bool,
    /// Rewrites each record before it is pre-tokenized (a SentencePiece base's normalizer);
    /// `None`: records are pre-tokenized as they are.
    pub normalize: Option<Normalize>,
}

/// A rewriting of each record before pre-tokenization ([`CountOptions::normalize`]).
#[derive(Clone)]
pub struct Normalize(pub std::sync::Arc<dyn Fn(&str) -> String + Send + Sync>);

impl std::fmt::Debug for Normalize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Normalize(..)")
    }
}

impl Default for CountOptions {
    fn default() -> Self {
        CountOptions {
            pattern: fairtok_core::pattern::R50K.to_owned(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_pieces: 20_000_000,
            strict: false,
            text_field: "text".into(),
            per_language: false,
            normalize: None,
        }
    }
}

/// What was read, per language tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LangStats {
    /// The language tag.
    pub lang: String,
    /// Bytes of text counted (after decompression, UTF-8 records only).
    pub bytes: u64,
    /// Records counted.
    pub records: u64,
    /// Pre-tokens counted (with repetition).
    pub pieces: u64,
}

/// What counting saw.
#[derive(Debug, Clone, Default)]
pub struct CountStats {
    /// Per language tag, in order of first appearance.
    pub languages: Vec<LangStats>,
    /// Records skipped because they are not UTF-8.
    pub skipped_utf8: u64,
    /// The first skipped record: file and line.
    pub first_skipped: Option<(PathBuf, u64)>,
    /// Distinct pieces dropped by pruning.
    pub pruned_pieces: u64,
    /// Occurrences of the dropped pieces.
    pub pruned_occurrences: u64,
    /// The largest count pruned (0: no pruning).
    pub prune_threshold: u64,
}

/// The error for counts with no piece: every piece pruned by the cap on distinct pieces
/// ([`CountOptions::max_pieces`], an [`TrainError::InvalidOption`] for
/// [`Setting::MaxPieces`](crate::Setting::MaxPieces)), or no text read at all.
pub(crate) fn no_pieces(stats: &CountStats) -> crate::TrainError {
    if stats.pruned_pieces > 0 {
        return crate::TrainError::invalid(
            crate::Setting::MaxPieces,
            format!(
                "the cap on distinct pieces pruned every piece ({} distinct pieces, {} occurrences, \
                 counts up to {}): raise it",
                stats.pruned_pieces, stats.pruned_occurrences, stats.prune_threshold
            ),
        );
    }
    crate::TrainError::EmptyCorpus(
        "no text was read (all inputs empty, or every line skipped)".into(),
    )
}

/// The most language tags a per-language table holds (the language index is one byte).
pub const MAX_LANGUAGES: usize = 255;

/// Distinct pre-tokens with their counts: the input of the merge loop.
///
/// A table is **pooled** (one count per piece, the default) or **per language** (one count
/// per piece and language index, the index being a position in `stats.languages`; made by
/// [`count_sources`] with [`CountOptions::per_language`] or by [`PieceCounts::new_per_language`]).
/// In a per-language table, [`iter`](Self::iter), [`sorted`](Self::sorted) and
/// [`drain`](Self::drain) give a piece once per language it was seen in, and
/// [`iter_languages`](Self::iter_languages) / [`drain_languages`](Self::drain_languages) give
/// the language too.
#[derive(Debug)]
pub struct PieceCounts {
    /// The pattern the pieces were cut with.
    pub pattern: String,
    shards: Vec<Shard>,
    per_language: bool,
    /// What counting saw.
    pub stats: CountStats,
}

impl PieceCounts {
    /// An empty table for pieces cut with `pattern`.
    pub fn new(pattern: &str) -> PieceCounts {
        PieceCounts {
            pattern: pattern.to_owned(),
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            per_language: false,
            stats: CountStats::default(),
        }
    }

    /// An empty per-language table for pieces cut with `pattern`, for the language tags
    /// `languages` (at most [`MAX_LANGUAGES`]).
    pub fn new_per_language(pattern: &str, languages: &[String]) -> Result<PieceCounts> {
        check_languages(languages.len())?;
        let mut c = PieceCounts::new(pattern);
        c.per_language = true;
        c.stats.languages = languages
            .iter()
            .map(|l| LangStats {
                lang: l.clone(),
                ..Default::default()
            })
            .collect();
        Ok(c)
    }

    /// Whether counts are kept per language.
    pub fn is_per_language(&self) -> bool {
        self.per_language
    }

    /// Adds `count` occurrences of `piece`. In a per-language table they go to language 0.
    pub fn add(&mut self, piece: &[u8], count: u64) {
        if self.per_language {
            self.add_in(piece, 0, count);
            return;
        }
        let h = hash(piece);
        self.shards[shard_of(h, SHARDS)].add(piece, h, count);
    }

    /// Adds `count` occurrences of `piece` in the language of index `lang` (a position in
    /// `stats.languages`). In a pooled table the language is ignored.
    ///
    /// # Panics
    ///
    /// If the table is per language and `lang` is not below [`MAX_LANGUAGES`].
    pub fn add_in(&mut self, piece: &[u8], lang: usize, count: u64) {
        if !self.per_language {
            return self.add(piece, count);
        }
        assert!(lang < MAX_LANGUAGES, "language index {lang} out of range");
        let mut key = Vec::with_capacity(piece.len() + 1);
        key.extend_from_slice(piece);
        key.push(lang as u8);
        let h = hash(&key);
        self.shards[shard_of(h, SHARDS)].add(&key, h, count);
    }

    /// Adds every count of `other` (made with the same pattern and the same kind of table) to
    /// `self`. Per-language counts go to the language of the same tag (added if new).
    pub fn merge(&mut self, other: PieceCounts) {
        if self.per_language && other.per_language {
            let map: Vec<usize> = other
                .stats
                .languages
                .iter()
                .map(
                    |l| match self.stats.languages.iter().position(|x| x.lang == l.lang) {
                        Some(i) => i,
                        None => {
                            self.stats.languages.push(LangStats {
                                lang: l.lang.clone(),
                                ..Default::default()
                            });
                            self.stats.languages.len() - 1
                        }
                    },
                )
                .collect();
            assert!(
                self.stats.languages.len() <= MAX_LANGUAGES,
                "more than {MAX_LANGUAGES} languages"
            );
            for shard in &other.shards {
                for (key, count) in shard.iter() {
                    let (piece, lang) = key.split_at(key.len() - 1);
                    self.add_in(piece, map[lang[0] as usize], count);
                }
            }
        } else {
            for shard in &other.shards {
                for (piece, count) in shard.iter() {
                    let piece = if other.per_language {
                        &piece[..piece.len() - 1]
                    } else {
                        piece
                    };
                    self.add(piece, count);
                }
            }
        }
        let s = &mut self.stats;
        for l in other.stats.languages {
            match s.languages.iter_mut().find(|x| x.lang == l.lang) {
                Some(x) => {
                    x.bytes += l.bytes;
                    x.records += l.records;
                    x.pieces += l.pieces;
                }
                None => s.languages.push(l),
            }
        }
        s.skipped_utf8 += other.stats.skipped_utf8;
        if s.first_skipped.is_none() {
            s.first_skipped = other.stats.first_skipped;
        }
        s.pruned_pieces += other.stats.pruned_pieces;
        s.pruned_occurrences += other.stats.pruned_occurrences;
        s.prune_threshold = s.prune_threshold.max(other.stats.prune_threshold);
    }

    /// Number of distinct pieces.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    /// Whether there is no piece.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total occurrences.
    pub fn total(&self) -> u64 {
        self.shards.iter().flat_map(|s| s.iter().map(|x| x.1)).sum()
    }

    /// The count of one piece (in all languages, for a per-language table).
    pub fn get(&self, piece: &[u8]) -> u64 {
        if self.per_language {
            return (0..self.stats.languages.len())
                .map(|l| self.get_in(piece, l))
                .sum();
        }
        let h = hash(piece);
        self.shards[shard_of(h, SHARDS)].get(piece, h)
    }

    /// The count of one piece in the language of index `lang` (a pooled table: in all).
    pub fn get_in(&self, piece: &[u8], lang: usize) -> u64 {
        if !self.per_language {
            return self.get(piece);
        }
        if lang >= MAX_LANGUAGES {
            return 0;
        }
        let mut key = piece.to_vec();
        key.push(lang as u8);
        let h = hash(&key);
        self.shards[shard_of(h, SHARDS)].get(&key, h)
    }

    /// The pieces in no particular order (per language: once per language seen in).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.iter_languages().map(|(p, _, c)| (p, c))
    }

    /// The pieces with their language index (0 in a pooled table), in no particular order.
    pub fn iter_languages(&self) -> impl Iterator<Item = (&[u8], usize, u64)> {
        let per = self.per_language;
        self.shards
            .iter()
            .flat_map(|s| s.iter())
            .map(move |(k, c)| split_key(per, k, c))
    }

    /// The pieces sorted by bytes (a deterministic order, for files).
    pub fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut v: Vec<_> = self.iter().collect();
        v.sort_unstable();
        v
    }

    /// Consumes the table shard by shard (memory is freed as it goes).
    pub fn drain(self, mut f: impl FnMut(&[u8], u64)) {
        self.drain_languages(|p, _, c| f(p, c));
    }

    /// Consumes the table shard by shard, with each piece's language index (0 if pooled).
    pub fn drain_languages(self, mut f: impl FnMut(&[u8], usize, u64)) {
        let per = self.per_language;
        for shard in self.shards {
            for (k, v) in shard.iter() {
                let (p, l, c) = split_key(per, k, v);
                f(p, l, c);
            }
        }
    }
}

#[inline]
fn split_key(per_language: bool, key: &[u8], count: u64) -> (&[u8], usize, u64) {
    if per_language {
        let (p, l) = key.split_at(key.len() - 1);
        (p, l[0] as usize, count)
    } else {
        (key, 0, count)
    }
}

fn check_languages(n: usize) -> Result<()> {
    if n > MAX_LANGUAGES {
        return Err(TrainError::Usage(format!(
            "{n} language tags: per-language counts hold at most {MAX_LANGUAGES}"
        )));
    }
    Ok(())
}

/// The shared table while counting.
struct Table {
    shards: Vec<Mutex<Shard>>,
    distinct: AtomicUsize,
    max_pieces: usize,
    prune: Mutex<(u64, u64, u64)>,
    per_language: bool,
    /// The next batch to add and whether counting was abandoned (see the module docs).
    turn: Mutex<(u64, bool)>,
    turn_changed: Condvar,
}

impl Table {
    fn new(max_pieces: usize, per_language: bool) -> Table {
        Table {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            distinct: AtomicUsize::new(0),
            max_pieces: max_pieces.max(1),
            prune: Mutex::new((0, 0, 0)),
            per_language,
            turn: Mutex::new((0, false)),
            turn_changed: Condvar::new(),
        }
    }

    /// Wakes the workers waiting for their turn: counting failed and will not go on.
    fn abandon(&self) {
        self.turn.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.turn_changed.notify_all();
    }

    /// Adds the counts of batch `seq` once every earlier batch is added; `lang` is the batch's
    /// language index (used per language only). Returns false, adding nothing, when counting
    /// was abandoned meanwhile.
    fn add_in_turn(&self, seq: u64, local: &FxHashMap<&[u8], u64>, lang: usize) -> bool {
        let mut turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        while turn.0 != seq && !turn.1 {
            turn = self
                .turn_changed
                .wait(turn)
                .unwrap_or_else(|e| e.into_inner());
        }
        if turn.1 {
            return false;
        }
        drop(turn);
        self.add_local(local, lang);
        self.turn.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
        self.turn_changed.notify_all();
        true
    }

    /// Adds a batch's counts; `lang` is the batch's language index (used per language only).
    fn add_local(&self, local: &FxHashMap<&[u8], u64>, lang: usize) {
        let mut added = 0usize;
        // Per language, the keys get the language byte: one buffer holds them all.
        let mut keyed: Vec<u8> = vec![];
        let mut ends: Vec<usize> = vec![];
        if self.per_language {
            keyed.reserve(local.keys().map(|k| k.len() + 1).sum());
            for k in local.keys() {
                keyed.extend_from_slice(k);
                keyed.push(lang as u8);
                ends.push(keyed.len());
            }
        }
        let mut by_shard: Vec<Vec<(u64, &[u8], u64)>> = vec![Vec::new(); SHARDS];
        for (i, (k, &v)) in local.iter().enumerate() {
            let k: &[u8] = if self.per_language {
                &keyed[ends[i] - k.len() - 1..ends[i]]
            } else {
                k
            };
            let h = hash(k);
            by_shard[shard_of(h, SHARDS)].push((h, k, v));
        }
        for (s, bucket) in by_shard.iter().enumerate() {
            if bucket.is_empty() {
                continue;
            }
            let mut shard = self.shards[s].lock().unwrap_or_else(|e| e.into_inner());
            for &(h, k, v) in bucket {
                added += shard.add(k, h, v) as usize;
            }
        }
        let now = self.distinct.fetch_add(added, Ordering::Relaxed) + added;
        if now > self.max_pieces {
            self.prune();
        }
    }

    /// Drops the rarest pieces until at most half the cap remain. Called only inside a batch's
    /// turn ([`Table::add_in_turn`]), so no add runs meanwhile and `distinct` is exact.
    fn prune(&self) {
        let mut stats = self.prune.lock().unwrap_or_else(|e| e.into_inner());
        let mut t = stats.2.max(1);
        while self.distinct.load(Ordering::Relaxed) > self.max_pieces / 2 {
            for shard in &self.shards {
                let (removed, occ) = shard.lock().unwrap_or_else(|e| e.into_inner()).prune(t);
                self.distinct.fetch_sub(removed, Ordering::Relaxed);
                stats.0 += removed as u64;
                stats.1 += occ;
            }
            stats.2 = stats.2.max(t);
            if t == u64::MAX {
                break;
            }
            t = t.saturating_mul(2);
        }
    }
}

/// Counts the pre-tokens of `sources` (from [`crate::corpus::expand`]) with `langs` as their
/// language tags. Reports bytes read (on disk) to `progress`.
pub fn count_sources(
    langs: &[String],
    sources: &[Source],
    opts: &CountOptions,
    progress: &dyn Progress,
) -> Result<PieceCounts> {
    // Fail on a bad pattern before reading anything.
    Regex::tiktoken(&opts.pattern)?;
    if opts.per_language {
        check_languages(langs.len())?;
    }
    let threads = fairtok_core::threads_cap(opts.threads);
    let table = Table::new(opts.max_pieces, opts.per_language);
    let total: u64 = sources.iter().map(|s| s.size).sum();
    progress.stage("counting", Some(total));
    let read = Arc::new(AtomicU64::new(0));
    let failed = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<Batch>(threads * 2);
    let rx = Mutex::new(rx);
    let (back_tx, back_rx) = mpsc::channel::<Batch>();
    let per_lang: Vec<Mutex<LangStats>> = langs
        .iter()
        .map(|l| {
            Mutex::new(LangStats {
                lang: l.clone(),
                ..Default::default()
            })
        })
        .collect();
    let skipped = Mutex::new((0u64, None::<(PathBuf, u64)>));

    let result: Result<()> = std::thread::scope(|scope| {
        let mut workers = vec![];
        // As many workers as the system gives; if it gives none, the reader counts each batch
        // itself (`inline`) instead of queueing it for workers that do not exist.
        for _ in 0..threads {
            let back_tx = back_tx.clone();
            let (rx, table, failed, per_lang, skipped) =
                (&rx, &table, &failed, &per_lang, &skipped);
            let work = move || -> Result<()> {
                let re = Regex::tiktoken(&opts.pattern)?;
                // After a failure (here or in another worker) batches are only drained, so
                // that the reader never blocks on a full channel.
                let mut error = None;
                loop {
                    let batch = {
                        let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
                        rx.recv()
                    };
                    let Ok(batch) = batch else { break };
                    if error.is_none() && !failed.load(Ordering::Relaxed) && progress.cancelled() {
                        failed.store(true, Ordering::Relaxed);
                        table.abandon();
                        error = Some(TrainError::Cancelled);
                    }
                    if error.is_none() && !failed.load(Ordering::Relaxed) {
                        let src = &sources[batch.source];
                        match count_batch(&batch, src, opts, &re, table) {
                            // Another worker failed: it reports why.
                            Ok(None) => {}
                            Ok(Some(counts)) => {
                                record_batch(&per_lang[src.lang], skipped, sources, &batch, counts)
                            }
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                table.abandon();
                                error = Some(e);
                            }
                        }
                    }
                    let _ = back_tx.send(batch);
                }
                error.map_or(Ok(()), Err)
            };
            match std::thread::Builder::new().spawn_scoped(scope, work) {
                Ok(w) => workers.push(w),
                Err(_) => break,
            }
        }
        let inline = match workers.is_empty() {
            true => Some(Regex::tiktoken(&opts.pattern)?),
            false => None,
        };
        drop(back_tx);
        let mut reader_result = Ok(());
        let mut seq = 0u64;
        'sources: for (i, src) in sources.iter().enumerate() {
            let r = corpus::read_batches(
                src,
                i,
                read.clone(),
                &opts.text_field,
                || back_rx.try_recv().unwrap_or_default(),
                |mut b| {
                    b.seq = seq;
                    seq += 1;
                    if failed.load(Ordering::Relaxed) {
                        return Err(TrainError::Usage("worker failed".into()));
                    }
                    if progress.cancelled() {
                        return Err(TrainError::Cancelled);
                    }
                    progress.set(read.load(Ordering::Relaxed));
                    if let Some(re) = &inline {
                        let src = &sources[b.source];
                        if let Some(counts) = count_batch(&b, src, opts, re, &table)? {
                            record_batch(&per_lang[src.lang], &skipped, sources, &b, counts);
                        }
                        return Ok(());
                    }
                    tx.send(b)
                        .map_err(|_| TrainError::Usage("worker failed".into()))
                },
            );
            if let Err(e) = r {
                reader_result = Err(e);
                break 'sources;
            }
        }
        drop(tx);
        let mut worker_err = None;
        for w in workers {
            match w.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => worker_err = worker_err.or(Some(e)),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        // A worker's error is the cause; the reader's "worker failed" is its echo.
        match (worker_err, reader_result) {
            (Some(e), _) => Err(e),
            (None, r) => r,
        }
    });
    result?;
    progress.set(read.load(Ordering::Relaxed));
    progress.finish();

    let (pruned, occ, thr) = *table.prune.lock().unwrap_or_else(|e| e.into_inner());
    let (bad, first_bad) = skipped.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(PieceCounts {
        pattern: opts.pattern.clone(),
        shards: table
            .shards
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect(),
        per_language: opts.per_language,
        stats: CountStats {
            languages: per_lang
                .into_iter()
                .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
                .collect(),
            skipped_utf8: bad,
            first_skipped: first_bad,
            pruned_pieces: pruned,
            pruned_occurrences: occ,
            prune_threshold: thr,
        },
    })
}

/// Adds a counted batch's statistics to its language's and to the skipped lines'.
fn record_batch(
    lang: &Mutex<LangStats>,
    skipped: &Mutex<(u64, Option<(PathBuf, u64)>)>,
    sources: &[Source],
    batch: &Batch,
    (bytes, records, pieces, bad, first_bad): BatchCounts,
) {
    let mut l = lang.lock().unwrap_or_else(|e| e.into_inner());
    l.bytes += bytes;
    l.records += records;
    l.pieces += pieces;
    drop(l);
    if bad > 0 {
        let mut s = skipped.lock().unwrap_or_else(|e| e.into_inner());
        s.0 += bad;
        let src = &sources[batch.source];
        if s.1
            .as_ref()
            .is_none_or(|cur| (sources_index(sources, &cur.0), cur.1) > (batch.source, first_bad))
        {
            s.1 = Some((src.path.clone(), first_bad));
        }
    }
}

fn sources_index(sources: &[Source], path: &std::path::Path) -> usize {
    sources.iter().position(|s| s.path == path).unwrap_or(0)
}

type BatchCounts = (u64, u64, u64, u64, u64);

/// Counts one batch into `table`. Returns (bytes, records, pieces, skipped, first skipped line),
/// or `None` when counting was abandoned by another worker.
fn count_batch(
    batch: &Batch,
    src: &Source,
    opts: &CountOptions,
    re: &Regex,
    table: &Table,
) -> Result<Option<BatchCounts>> {
    let mut skipped = (0u64, 0u64);
    let (mut bytes, mut records, mut pieces) = (0u64, 0u64, 0u64);
    let texts: Vec<String>;
    let mut local: FxHashMap<&[u8], u64> =
        FxHashMap::with_capacity_and_hasher(1 << 14, Default::default());
    match (src.kind, &opts.normalize) {
        (RecordKind::Lines | RecordKind::Parquet, None) => {
            for (line, rec) in batch.records() {
                let Some(text) = utf8_record(rec, line, src, opts, &mut skipped, STRICT_NOTE)?
                else {
                    continue;
                };
                bytes += text.len() as u64;
                records += 1;
                pretokenize(re, text, &mut local, &mut pieces, src, line)?;
            }
        }
        (kind, normalize) => {
            let (read, lines) = match kind {
                RecordKind::Jsonl => jsonl_texts(batch, src, opts, &mut skipped)?,
                _ => line_texts(batch, src, opts, &mut skipped)?,
            };
            bytes += read.iter().map(|t| t.len() as u64).sum::<u64>();
            records += read.len() as u64;
            texts = match normalize {
                Some(n) => read.iter().map(|t| (n.0)(t)).collect(),
                None => read,
            };
            for (text, line) in texts.iter().zip(lines) {
                pretokenize(re, text, &mut local, &mut pieces, src, line)?;
            }
        }
    }
    if !table.add_in_turn(batch.seq, &local, src.lang) {
        return Ok(None);
    }
    Ok(Some((bytes, records, pieces, skipped.0, skipped.1)))
}

fn pretokenize<'t>(
    re: &Regex,
    text: &'t str,
    local: &mut FxHashMap<&'t [u8], u64>,
    pieces: &mut u64,
    src: &Source,
    line: u64,
) -> Result<()> {
    let b = text.as_bytes();
    re.for_each_match(text, |s, e| {
        *local.entry(&b[s..e]).or_insert(0) += 1;
        *pieces += 1;
    })
    .map_err(|e| TrainError::Record {
        path: src.path.clone(),
        line,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
