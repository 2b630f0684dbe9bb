//! The tiktoken format: `.tiktoken` rank files and tiktoken's encoding rule.
//!
//! A rank file has one line per token, `base64(token bytes) SP rank`. The rank is both the token
//! id and its merge priority. Encoding (tiktoken's `encode_ordinary`) splits the text with the
//! pre-tokenizer pattern; a piece that is itself a token becomes that token, any other piece is
//! merged byte by byte with `crate::bpe`, a pair's rank being the rank of its concatenated
//! bytes. Special tokens are not in the file: they are given beside it, and recognised in the
//! text only when allowed ([`TiktokenModel::encode_with_special`]), as tiktoken's
//! `allowed_special` does.
//!
//! Ranks (and special token ids) must be below `2 × number of tokens + 1024`: the files have
//! dense ids, and a rank far beyond the number of lines is an error naming its line (it would
//! make the id-indexed tables allocate gigabytes).
//!
//! # Speed
//!
//! * Every "is this a token?" goes to one `RankTable` (`rank_table.rs`).
//! * The ids of the pieces that are not tokens are memoized in a bounded direct-mapped table
//!   that persists across calls (`piece_cache.rs`): words repeat, and one probe replaces a
//!   merge. The ids of a piece depend only on its bytes, and a slot answers only for equal
//!   bytes, so the memo changes no result.
//! * A piece longer than the scan takes (`bpe::SCAN_MAX`) is found by the backtracking search
//!   (`backtrack.rs`), longest tokens first, and merged rank by rank only where the search
//!   gives up: a run of one character costs one step per token instead of one merge per byte.
//! * Parallel encoding cuts the text where the pre-tokenizer splits the parts as it splits the
//!   whole (`cut_points`) and encodes the parts on one thread each (`in_parts`); the ids are
//!   those of one thread.

use aho_corasick::AhoCorasick;
use base64::Engine as _;
use rustc_hash::FxHashMap;

use crate::backtrack::Backtrack;
use crate::bpe::{self, Scratch, Symbol};
use crate::error::{Error, Result};
use crate::pattern::Regex;
use crate::piece_cache::{self, CachePool, PieceCache};
use crate::rank_table::{self, hash_bytes, RankTable};
use crate::syllables::Syllables;
use crate::task::Task;

/// Parses a `.tiktoken` rank file. `origin` names it in errors.
///
/// Empty lines are skipped (as tiktoken does); every other line must be `base64 rank` with a
/// valid standard base64 token and a decimal rank. Duplicate ranks and duplicate token bytes are
/// errors.
pub fn parse_ranks(data: &[u8], origin: &str) -> Result<Vec<(Vec<u8>, u32)>> {
    Ok(parse_rank_list(data, origin, true)?
        .iter()
        .map(|(b, r)| (b.to_vec(), r))
        .collect())
}

/// The tokens of a rank file in one arena, in file order: token `i` is
/// `bytes[ends[i - 1]..ends[i]]` (from 0 for the first) with rank `ranks[i]`. Parsing and
/// loading through it make no allocation per token.
#[derive(Debug, Default)]
pub(crate) struct RankList {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    ranks: Vec<u32>,
}

impl RankList {
    /// The `(bytes, rank)` of every token, in order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], u32)> + Clone + '_ {
        self.ends.iter().enumerate().map(|(i, &end)| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            (&self.bytes[start as usize..end as usize], self.ranks[i])
        })
    }

    /// A list packed by `build.rs` (see there for the format).
    pub(crate) fn from_packed(data: &[u8]) -> RankList {
        let word = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"));
        let n = word(0) as usize;
        let ranks = (0..n).map(|i| word(4 + 4 * i)).collect();
        let lens = &data[4 + 4 * n..4 + 6 * n];
        let mut ends = Vec::with_capacity(n);
        let mut end = 0u32;
        for l in lens.chunks_exact(2) {
            end += u16::from_le_bytes([l[0], l[1]]) as u32;
            ends.push(end);
        }
        RankList {
            bytes: data[4 + 6 * n..].to_vec(),
            ends,
            ranks,
        }
    }

    /// Appends the tokens of `other`; `origin` names the result in errors.
    pub(crate) fn append(&mut self, other: &RankList, origin: &str) -> Result<()> {
        for (b, r) in other.iter() {
            self.bytes.extend_from_slice(b);
            self.ranks.push(r);
            self.ends.push(arena_end(self.bytes.len(), origin)?);
        }
        Ok(())
    }
}

/// An arena offset as a `u32`, or the error that the tokens are too large.
fn arena_end(len: usize, origin: &str) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::Vocab {
        path: origin.to_owned(),
        reason: "the tokens' bytes pass 4 GiB".into(),
    })
}

/// A decimal `u32`, digits only.
fn parse_u32(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (b - b'0') as u64;
    }
    u32::try_from(v).ok()
}

/// [`parse_ranks`] into a [`RankList`], optionally without the duplicate checks (for the
/// bundled files, which are fixed and checked by the tests).
pub(crate) fn parse_rank_list(
    data: &[u8],
    origin: &str,
    check_duplicates: bool,
) -> Result<RankList> {
    let line_err = |line: usize, reason: String| Error::TiktokenLine {
        path: origin.to_owned(),
        line,
        reason,
    };
    let mut out = RankList {
        bytes: Vec::with_capacity(data.len() / 2),
        ends: Vec::with_capacity(data.len() / 12),
        ranks: Vec::with_capacity(data.len() / 12),
    };
    // The line of each token, for the duplicate-bytes message.
    let mut lines = vec![];
    let mut by_rank: FxHashMap<u32, usize> = FxHashMap::default();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let lineno = i + 1;
        let mut fields = raw
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let (Some(tok), Some(rank)) = (fields.next(), fields.next()) else {
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            return Err(line_err(
                lineno,
                "expected `base64 rank`, found one field".into(),
            ));
        };
        if fields.next().is_some() {
            return Err(line_err(
                lineno,
                "expected `base64 rank`, found more than two fields".into(),
            ));
        }
        let start = out.bytes.len();
        base64::engine::general_purpose::STANDARD
            .decode_vec(tok, &mut out.bytes)
            .map_err(|e| {
                line_err(
                    lineno,
                    format!("invalid base64 {:?}: {e}", String::from_utf8_lossy(tok)),
                )
            })?;
        let rank: u32 = parse_u32(rank).ok_or_else(|| {
            line_err(
                lineno,
                format!(
                    "rank {:?} is not an integer in 0..2^32",
                    String::from_utf8_lossy(rank)
                ),
            )
        })?;
        if out.bytes.len() == start {
            return Err(line_err(lineno, "empty token".into()));
        }
        let end = arena_end(out.bytes.len(), origin)?;
        out.ends.push(end);
        out.ranks.push(rank);
        if !check_duplicates {
            continue;
        }
        if let Some(prev) = by_rank.insert(rank, lineno) {
            return Err(line_err(
                lineno,
                format!("duplicate rank {rank} (first on line {prev})"),
            ));
        }
        lines.push(lineno);
    }
    if check_duplicates {
        let limit = crate::tokenizer::id_limit(out.ranks.len());
        if let Some(i) = out.ranks.iter().position(|&r| u64::from(r) >= limit) {
            return Err(line_err(
                lines[i],
                crate::tokenizer::far_id(out.ranks[i], limit),
            ));
        }
        let mut by_bytes: FxHashMap<&[u8], usize> = FxHashMap::default();
        for (i, (bytes, _)) in out.iter().enumerate() {
            if let Some(prev) = by_bytes.insert(bytes, i) {
                return Err(line_err(
                    lines[i],
                    format!(
                        "duplicate token bytes {:?} (first on line {})",
                        String::from_utf8_lossy(bytes),
                        lines[prev]
                    ),
                ));
            }
        }
    }
    if out.ends.is_empty() {
        return Err(Error::Vocab {
            path: origin.to_owned(),
            reason: "no tokens in file".into(),
        });
    }
    Ok(out)
}

/// A tiktoken-style encoder: ranks, pattern and special tokens.
#[derive(Debug)]
pub struct TiktokenModel {
    /// Token bytes to ranks.
    table: RankTable,
    byte_ids: [u32; 256],
    regex: Regex,
    specials: Vec<(String, u32)>,
    special_matcher: Option<AhoCorasick>,
    /// The memos of the pieces that are not tokens, kept across calls.
    caches: CachePool,
    /// The encoder of long pieces (`backtrack.rs`), its tables built at the first one.
    backtrack: Backtrack,
    /// Korean words merged from whole syllables where that is exact (`syllables.rs`).
    syllables: Syllables,
    /// Whether every rank fits the keys of the short merge (`bpe::SCAN_RANK_LIMIT`); if not
    /// (a vocabulary of tens of millions of tokens), every piece takes the merge loop.
    scan: bool,
    /// Whether the CPU has SSE4.1, for the short merge's faster build (`bpe::merge_scan_sse41`).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    sse41: bool,
}

impl TiktokenModel {
    /// Builds the model. Every single byte must be a token (tiktoken needs that too).
    pub fn new(
        ranks: Vec<(Vec<u8>, u32)>,
        pattern: &str,
        specials: Vec<(String, u32)>,
        origin: &str,
    ) -> Result<TiktokenModel> {
        let tokens = ranks.iter().map(|(b, r)| (&b[..], *r));
        TiktokenModel::build(tokens, pattern, specials, origin)
    }

    /// [`TiktokenModel::new`] over `(bytes, rank)` pairs.
    pub(crate) fn build<'a>(
        tokens: impl ExactSizeIterator<Item = (&'a [u8], u32)> + Clone,
        pattern: &str,
        specials: Vec<(String, u32)>,
        origin: &str,
    ) -> Result<TiktokenModel> {
        let regex = Regex::tiktoken(pattern)?;
        regex.refuse_empty_matches(pattern)?;
        let mut byte_ids = [u32::MAX; 256];
        let mut max_rank = 0;
        for (bytes, rank) in tokens.clone() {
            if let [b] = bytes {
                byte_ids[*b as usize] = rank;
            }
            max_rank = max_rank.max(rank);
        }
        let table = RankTable::new(tokens).map_err(|reason| Error::Vocab {
            path: origin.to_owned(),
            reason,
        })?;
        if let Some(b) = byte_ids.iter().position(|&r| r == u32::MAX) {
            return Err(Error::Vocab {
                path: origin.to_owned(),
                reason: format!(
                    "the single byte 0x{b:02x} is not a token; byte-level BPE needs all 256"
                ),
            });
        }
        let special_matcher = if specials.is_empty() {
            None
        } else {
            Some(
                crate::pattern::literal_matcher(specials.iter().map(|(s, _)| s.as_str()))
                    .expect("special tokens form a valid automaton"),
            )
        };
        Ok(TiktokenModel {
            table,
            byte_ids,
            regex,
            specials,
            special_matcher,
            caches: CachePool::default(),
            backtrack: Backtrack::default(),
            syllables: Syllables::default(),
            scan: max_rank < bpe::SCAN_RANK_LIMIT,
            sse41: bpe::has_sse41(),
        })
    }

    /// The special tokens, in the order given.
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }

    /// The rank (= id) of the token with these bytes.
    #[inline(always)]
    fn rank(&self, t: &[u8]) -> Option<u32> {
        self.table.get(t)
    }

    /// tiktoken's `encode_ordinary`: special-token text is ordinary text.
    pub fn encode_ordinary(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let mut scratch = Scratch::default();
        (self.caches).with(|cache| self.encode_span(text, 0, out, &mut scratch, cache))
    }

    /// tiktoken's `encode` with `allowed_special` = `allowed` and nothing disallowed: an allowed
    /// special token written in the text becomes its id, anything else is ordinary text.
    /// `allowed` is asked about each special token found, by name and id: as in tiktoken, it
    /// is the name that is allowed (an id may have two names, as o200k_harmony's 200018).
    pub fn encode_with_special(
        &self,
        text: &str,
        allowed: &dyn Fn(&str, u32) -> bool,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        let Some(matcher) = &self.special_matcher else {
            return self.encode_ordinary(text, out);
        };
        let mut scratch = Scratch::default();
        (self.caches)
            .with(|cache| self.encode_specials(text, matcher, allowed, out, &mut scratch, cache))
    }

    /// [`TiktokenModel::encode_with_special`] with its matcher, scratch space and memo.
    fn encode_specials(
        &self,
        text: &str,
        matcher: &AhoCorasick,
        allowed: &dyn Fn(&str, u32) -> bool,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
        cache: &mut PieceCache,
    ) -> Result<()> {
        // As tiktoken: find the next special match; if it is not allowed, search again from
        // one byte after its start (so an allowed token overlapping it is still found).
        let mut start = 0;
        let mut find_from = 0;
        while find_from < text.len() {
            let input = aho_corasick::Input::new(text).span(find_from..text.len());
            let Some(m) = matcher.find(input) else { break };
            let (name, id) = &self.specials[m.pattern().as_usize()];
            let id = *id;
            if !allowed(name, id) {
                find_from = m.start() + 1;
                continue;
            }
            self.encode_span(&text[start..m.start()], start, out, scratch, cache)?;
            out.push(id);
            start = m.end();
            find_from = start;
        }
        self.encode_span(&text[start..], start, out, scratch, cache)
    }

    /// [`TiktokenModel::encode_ordinary`] of each of `texts` in turn, appended to `out`;
    /// `ends` gets the length of `out` after each text. One memo and one scratch space serve
    /// them all, where a call per text takes a memo from the pool and gives it back each time
    /// (for a batch of short lines, a lock and an unlock per line, and a memo that may have
    /// been another thread's).
    pub fn encode_ordinary_each(
        &self,
        texts: &[&str],
        out: &mut Vec<u32>,
        ends: &mut Vec<usize>,
    ) -> Result<()> {
        let mut scratch = Scratch::default();
        (self.caches).with(|cache| {
            for text in texts {
                self.encode_span(text, 0, out, &mut scratch, cache)?;
                ends.push(out.len());
            }
            Ok(())
        })
    }

    /// The number of tokens `encode_ordinary` gives, without keeping the ids.
    pub fn count_ordinary(&self, text: &str) -> Result<usize> {
        let (mut scratch, mut buf) = (Scratch::default(), Vec::with_capacity(64));
        (self.caches).with(|cache| self.count_with(text, &mut buf, &mut scratch, cache))
    }

    /// [`TiktokenModel::count_ordinary`] of each of `texts`, appended to `counts`, with one memo
    /// for all of them (as [`TiktokenModel::encode_ordinary_each`]).
    pub fn count_ordinary_each(&self, texts: &[&str], counts: &mut Vec<usize>) -> Result<()> {
        let (mut scratch, mut buf) = (Scratch::default(), Vec::with_capacity(64));
        (self.caches).with(|cache| {
            for text in texts {
                counts.push(self.count_with(text, &mut buf, &mut scratch, cache)?);
            }
            Ok(())
        })
    }

    /// The tokens of `text`, with the caller's scratch space, id buffer and memo.
    fn count_with(
        &self,
        text: &str,
        buf: &mut Vec<u32>,
        scratch: &mut Scratch,
        cache: &mut PieceCache,
    ) -> Result<usize> {
        let (bytes, mut n) = (text.as_bytes(), 0);
        self.regex.for_each_match(text, |s, e| {
            buf.clear();
            self.encode_piece(bytes, s, e, buf, scratch, cache);
            n += buf.len();
        })?;
        Ok(n)
    }

    /// Runs `f` on the parts of `text` cut by [`TiktokenModel::cut_points`], on one thread
    /// each, and returns the results in order: `f` on the whole text if it is not cut.
    ///
    /// The threads share the model: its tables are read-only, and each call takes a memo of
    /// its own from the pool. A copy of the model per thread was tried (until this change,
    /// on the parts of 4 MiB and more) and, measured again on the 2-core machine of
    /// `BENCHMARKS.md`, cost a first call its 7 ms of copying and the copy's first tables
    /// and bought nothing after it.
    pub(crate) fn in_parts<T: Send>(
        &self,
        text: &str,
        threads: usize,
        f: impl Fn(&TiktokenModel, &str) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        // Below ~1 MB threads cost more than they save.
        let cuts = if threads > 1 && text.len() >= 1 << 20 {
            self.cut_points(text, threads)
        } else {
            vec![0, text.len()]
        };
        self.in_spans(text, &cuts, f)
    }

    /// Runs `f` on the spans of `text` between consecutive `cuts` (from
    /// [`TiktokenModel::cut_points`]), one thread each, and returns the results in order.
    pub(crate) fn in_spans<T: Send>(
        &self,
        text: &str,
        cuts: &[usize],
        f: impl Fn(&TiktokenModel, &str) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        if cuts.len() <= 2 {
            return Ok(vec![f(self, text)?]);
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = cuts
                .windows(2)
                .map(|w| {
                    let part = &text[w[0]..w[1]];
                    let f = &f;
                    Task::spawn(scope, move || f(self, part))
                })
                .collect();
            handles.into_iter().map(Task::join).collect()
        })
    }

    /// Byte offsets that cut `text` into about `parts` spans that the pre-tokenizer splits
    /// exactly as it splits the whole text (cuts are before a letter that starts a line), so
    /// the spans can be encoded in parallel. Returns `[0, ..., text.len()]`; just `[0, len]`
    /// when the pre-tokenizer gives no such guarantee or no cut point is found.
    pub fn cut_points(&self, text: &str, parts: usize) -> Vec<usize> {
        let s = text.as_bytes();
        let mut cuts = vec![0];
        if parts > 1 && self.regex.cuts_before_line_start_letters() {
            for k in 1..parts {
                let target = (s.len() * k / parts).max(*cuts.last().unwrap());
                // Search forward from the target for "\n" followed by a letter.
                let mut i = target;
                while let Some(off) = s[i..].iter().position(|&b| b == b'\n') {
                    let p = i + off + 1;
                    if p >= s.len() {
                        break;
                    }
                    if self.regex.starts_letter(text, p) {
                        cuts.push(p);
                        break;
                    }
                    i = p;
                }
            }
        }
        cuts.push(s.len());
        cuts.dedup();
        cuts
    }

    /// Encodes `text` (which starts at byte `offset` of the caller's text) without specials.
    fn encode_span(
        &self,
        text: &str,
        offset: usize,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
        cache: &mut PieceCache,
    ) -> Result<()> {
        let bytes = text.as_bytes();
        self.regex
            .for_each_match(text, |s, e| {
                self.encode_piece(bytes, s, e, out, scratch, cache)
            })
            .map_err(|err| match err {
                Error::Pretokenize { offset: o, reason } => Error::Pretokenize {
                    offset: o + offset,
                    reason,
                },
                other => other,
            })
    }

    /// Appends the ids of the piece `text[s..e]`.
    ///
    /// A short piece (at most [`rank_table::SHORT`] bytes) is looked up as a token first (one
    /// probe of a packed key), and only if it is none in the memo. A longer piece is hashed
    /// once, and the memo is asked first: it holds tokens too, so a long word that is a token
    /// (a Korean word and its particle often is) costs one probe of the memo, not a walk of
    /// the long tokens' table.
    #[inline(always)]
    fn encode_piece(
        &self,
        text: &[u8],
        s: usize,
        e: usize,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
        cache: &mut PieceCache,
    ) {
        let piece = &text[s..e];
        if piece.len() <= rank_table::SHORT {
            match self.table.get_at(text, s, e) {
                Some(id) => out.push(id),
                None => self.merge_cached(piece, hash_bytes(piece), out, scratch, cache),
            }
            return;
        }
        let hash = hash_bytes(piece);
        if piece.len() > piece_cache::PIECE_MAX {
            match self.table.get_long(piece, hash) {
                Some(id) => out.push(id),
                None => self.merge_piece(piece, out, scratch),
            }
            return;
        }
        if let Some(ids) = cache.get(piece, hash) {
            out.extend_from_slice(ids);
            return;
        }
        let start = out.len();
        match self.table.get_long(piece, hash) {
            Some(id) => out.push(id),
            None => self.merge_piece(piece, out, scratch),
        }
        cache.put(piece, hash, &out[start..]);
    }

    /// Merges a piece of at most [`piece_cache::PIECE_MAX`] bytes that is not a token, through
    /// the memo; `hash` is its [`hash_bytes`].
    #[inline]
    fn merge_cached(
        &self,
        piece: &[u8],
        hash: u64,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
        cache: &mut PieceCache,
    ) {
        if let Some(ids) = cache.get(piece, hash) {
            out.extend_from_slice(ids);
            return;
        }
        let start = out.len();
        self.merge_piece(piece, out, scratch);
        cache.put(piece, hash, &out[start..]);
    }

    /// Encodes a piece that is not itself a token: the scan for short pieces, the
    /// backtracking search for long ones, and the merge loop where the search gives up.
    fn merge_piece(&self, piece: &[u8], out: &mut Vec<u32>, scratch: &mut Scratch) {
        if !self.scan {
            return self.merge_long(piece, out, scratch);
        }
        if piece.len() <= bpe::SCAN_MAX {
            let (table, byte_ids) = (&self.table, &self.byte_ids);
            let rank = |t: &[u8]| self.rank(t);
            let scan = |piece: &[u8], start: &bpe::Start<'_>, out: &mut Vec<u32>| {
                #[cfg(target_arch = "x86_64")]
                if self.sse41 {
                    // SAFETY: `sse41` is `bpe::has_sse41()`, asked when the model was built.
                    return unsafe { bpe::merge_scan_sse41(piece, start, rank, out) };
                }
                bpe::merge_scan(piece, start, rank, out)
            };
            let chars = &mut scratch.char_ids;
            if !(self.syllables).encode(table, byte_ids, piece, chars, out, scan) {
                scan(piece, &bpe::Start::bytes(byte_ids), out);
            }
            return;
        }
        if (self.backtrack).encode(&self.table, &self.byte_ids, piece, out) {
            return;
        }
        self.merge_long(piece, out, scratch);
    }

    /// The merge loop ([`bpe::merge`]) on a piece of bytes.
    fn merge_long(&self, piece: &[u8], out: &mut Vec<u32>, scratch: &mut Scratch) {
        scratch.symbols.clear();
        scratch.symbols.extend(
            piece
                .iter()
                .enumerate()
                .map(|(i, &b)| Symbol::new(self.byte_ids[b as usize], i, i + 1)),
        );
        bpe::merge(scratch, out, |a, b| {
            self.rank(&piece[a.start as usize..b.end as usize])
                .map(|r| (r, r))
        });
    }
}

/// Encodes one pre-token by tiktoken's rule with any rank function: `rank(bytes)` is the rank
/// (which is also the id) of the token with those bytes. This is the merge loop of
/// [`TiktokenModel`] for a vocabulary that is still growing, such as the vocabulary extension
/// of `fairtok-train`, which re-encodes words after every new token. Returns `None` if a single
/// byte of `piece` has no rank.
pub fn encode_piece_with<F: Fn(&[u8]) -> Option<u32>>(piece: &[u8], rank: F) -> Option<Vec<u32>> {
    if let Some(id) = rank(piece) {
        return Some(vec![id]);
    }
    let mut scratch = Scratch::default();
    for (i, &b) in piece.iter().enumerate() {
        scratch
            .symbols
            .push(Symbol::new(rank(std::slice::from_ref(&b))?, i, i + 1));
    }
    let mut out = Vec::with_capacity(piece.len());
    bpe::merge(&mut scratch, &mut out, |a, b| {
        rank(&piece[a.start as usize..b.end as usize]).map(|r| (r, r))
    });
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(data: &str) -> String {
        parse_ranks(data.as_bytes(), "t.tiktoken")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_lines_and_skips_blank_ones() {
        let r = parse_ranks(b"YQ== 0\n\nYg== 1\r\nYWI= 2\n", "t").unwrap();
        assert_eq!(
            r,
            vec![(b"a".to_vec(), 0), (b"b".to_vec(), 1), (b"ab".to_vec(), 2)]
        );
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        assert_eq!(
            err("YQ== 0\nYg==\n"),
            "t.tiktoken:2: expected `base64 rank`, found one field"
        );
        assert!(err("YQ== 0\n!!! 1\n").starts_with("t.tiktoken:2: invalid base64"));
        assert!(err("YQ== x\n").starts_with("t.tiktoken:1: rank \"x\" is not an integer"));
        assert!(err("YQ== -1\n").starts_with("t.tiktoken:1: rank \"-1\""));
        assert_eq!(
            err("YQ== 0\nYg== 0\n"),
            "t.tiktoken:2: duplicate rank 0 (first on line 1)"
        );
        assert_eq!(
            err("YQ== 0\nYQ== 1\n"),
            "t.tiktoken:2: duplicate token bytes \"a\" (first on line 1)"
        );
        assert_eq!(err("\n\n"), "t.tiktoken: no tokens in file");
        assert!(err("YQ== 0 7\n").contains("more than two fields"));
    }

    #[test]
    fn the_piece_memo_the_search_and_the_syllables_change_no_id() {
        for name in ["o200k_base", "cl100k_base"] {
            let b = crate::builtin::find(name).unwrap();
            let ranks = RankList::from_packed(b.ranks);
            let m = TiktokenModel::build(ranks.iter(), b.pattern, vec![], name).unwrap();
            // More distinct non-token pieces than the memo takes, repeated words, Korean,
            // and pieces longer than the memo takes.
            let mut text = String::new();
            let mut i = 0u64;
            while text.len() < 6 << 20 {
                let w = i.wrapping_mul(0x9e3779b97f4a7c15) >> 40;
                let long = if i.is_multiple_of(50) {
                    (i / 50 % 150) as usize
                } else {
                    0
                };
                text.push_str(&format!(
                    "xq{w:x}zv jq{:x}kx 한국어를{} 합니다 했습니다 tokenizer's{}\n",
                    w ^ 0x5555,
                    w % 97,
                    "ab".repeat(long)
                ));
                i += 1;
            }
            assert!(2 * i as usize > crate::piece_cache::SLOTS);
            let mut with = vec![];
            m.encode_ordinary(&text, &mut with).unwrap();
            // Again, with the memo full of the first pass's pieces.
            let mut again = vec![];
            m.encode_ordinary(&text, &mut again).unwrap();
            assert_eq!(with, again, "{name}");
            let mut without = vec![];
            let mut scratch = Scratch::default();
            m.regex
                .for_each_match(&text, |s, e| {
                    let piece = &text.as_bytes()[s..e];
                    // The plain path: no memo, and the merge loop for long pieces.
                    match m.rank(piece) {
                        Some(id) => without.push(id),
                        None if piece.len() <= bpe::SCAN_MAX => {
                            let start = bpe::Start::bytes(&m.byte_ids);
                            bpe::merge_scan(piece, &start, |t| m.rank(t), &mut without)
                        }
                        None => m.merge_long(piece, &mut without, &mut scratch),
                    }
                })
                .unwrap();
            assert_eq!(with, without, "{name}");
            assert_eq!(m.count_ordinary(&text).unwrap(), without.len());
        }
    }

    #[test]
    fn ranks_too_large_for_the_short_merge_take_the_merge_loop() {
        // Ranks past bpe::SCAN_RANK_LIMIT do not fit the short merge's keys.
        let mut ranks: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
        let big = bpe::SCAN_RANK_LIMIT;
        ranks.extend([(b"ab".to_vec(), big + 2), (b"bc".to_vec(), big + 1)]);
        ranks.push((b"abc".to_vec(), big + 3));
        let m = TiktokenModel::new(ranks.clone(), r"\S+", vec![], "big").unwrap();
        let rank = |t: &[u8]| ranks.iter().find(|(b, _)| b == t).map(|(_, r)| *r);
        for text in ["abcab", "xabcbcabz", &"abc".repeat(30)] {
            let mut got = vec![];
            m.encode_ordinary(text, &mut got).unwrap();
            assert_eq!(
                Some(got),
                encode_piece_with(text.as_bytes(), rank),
                "{text}"
            );
        }
    }

    #[test]
    fn missing_single_byte_is_an_error() {
        let e = TiktokenModel::new(vec![(b"a".to_vec(), 0)], r"\S+", vec![], "x").unwrap_err();
        assert!(e.to_string().contains("single byte 0x00 is not a token"));
    }
}
