//! The tiktoken format: `.tiktoken` rank files and tiktoken's encoding rule.
//!
//! A rank file has one line per token, `base64(token bytes) SP rank`. The rank is both the token
//! id and its merge priority. Encoding (tiktoken's `encode_ordinary`) splits the text with the
//! pre-tokenizer pattern; a piece that is itself a token becomes that token, any other piece is
//! merged byte by byte with [`crate::bpe`], a pair's rank being the rank of its concatenated
//! bytes. Special tokens are not in the file: they are given beside it, and recognised in the
//! text only when allowed ([`TiktokenModel::encode_with_special`]), as tiktoken's
//! `allowed_special` does.

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use rustc_hash::FxHashMap;

use crate::bpe::{self, Scratch, Symbol};
use crate::error::{Error, Result};
use crate::pattern::Regex;

/// Parses a `.tiktoken` rank file. `origin` names it in errors.
///
/// Empty lines are skipped (as tiktoken does); every other line must be `base64 rank` with a
/// valid standard base64 token and a decimal rank. Duplicate ranks and duplicate token bytes are
/// errors.
pub fn parse_ranks(data: &[u8], origin: &str) -> Result<Vec<(Vec<u8>, u32)>> {
    parse_ranks_checked(data, origin, true)
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

/// [`parse_ranks`], optionally without the duplicate checks (for the bundled files, which are
/// fixed and checked by the tests).
pub(crate) fn parse_ranks_checked(
    data: &[u8],
    origin: &str,
    check_duplicates: bool,
) -> Result<Vec<(Vec<u8>, u32)>> {
    let line_err = |line: usize, reason: String| Error::TiktokenLine {
        path: origin.to_owned(),
        line,
        reason,
    };
    let mut out = Vec::with_capacity(data.len() / 12);
    let mut by_bytes: FxHashMap<&[u8], usize> = FxHashMap::default();
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
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(tok)
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
        if bytes.is_empty() {
            return Err(line_err(lineno, "empty token".into()));
        }
        if !check_duplicates {
            out.push((bytes, rank));
            continue;
        }
        if let Some(prev) = by_rank.insert(rank, lineno) {
            return Err(line_err(
                lineno,
                format!("duplicate rank {rank} (first on line {prev})"),
            ));
        }
        out.push((bytes, rank));
    }
    for (i, (bytes, _)) in out.iter().enumerate().filter(|_| check_duplicates) {
        if let Some(prev) = by_bytes.insert(bytes, i) {
            let line = |idx: usize| {
                // Recover line numbers for the message: ranks are unique, look them up.
                by_rank[&out[idx].1]
            };
            return Err(line_err(
                line(i),
                format!(
                    "duplicate token bytes {:?} (first on line {})",
                    String::from_utf8_lossy(bytes),
                    line(prev)
                ),
            ));
        }
    }
    if out.is_empty() {
        return Err(Error::Vocab {
            path: origin.to_owned(),
            reason: "no tokens in file".into(),
        });
    }
    Ok(out)
}

/// Tokens of up to this many bytes are looked up by a packed integer key.
const SHORT: usize = 7;

/// Packs up to [`SHORT`] bytes and their length into a `u64` (distinct for distinct slices).
#[inline(always)]
fn pack(t: &[u8]) -> u64 {
    let mut k = (t.len() as u64) << 56;
    for (i, &b) in t.iter().enumerate() {
        k |= (b as u64) << (8 * i);
    }
    k
}

/// Texts from this size on memoize the ids of their pieces that are not tokens: words repeat,
/// and one lookup of a piece replaces the dozens of pair lookups of its merge.
const CACHE_FROM: usize = 1 << 16;
/// Pieces longer than this are not memoized.
const CACHE_PIECE_MAX: usize = 128;
/// The memo takes no more pieces once it holds this many (the frequent ones come early).
const CACHE_ENTRIES: usize = 1 << 17;

/// The memo of one encoding call: pieces (slices of the caller's text) to their ids. The ids of
/// a piece depend on its bytes only, so the memo changes no result.
struct PieceCache<'t> {
    on: bool,
    map: FxHashMap<&'t [u8], (u32, u32)>,
    ids: Vec<u32>,
}

impl<'t> PieceCache<'t> {
    fn for_text(text: &str) -> PieceCache<'t> {
        PieceCache {
            on: text.len() >= CACHE_FROM,
            map: FxHashMap::default(),
            ids: Vec::new(),
        }
    }
}

/// A tiktoken-style encoder: ranks, pattern and special tokens.
#[derive(Debug)]
pub struct TiktokenModel {
    /// Tokens of at most [`SHORT`] bytes, keyed by their bytes packed into a `u64`: hashing an
    /// integer is much cheaper than hashing a slice, and most lookups (merge candidates) are short.
    short: FxHashMap<u64, u32>,
    /// Longer tokens, keyed by their bytes.
    long: FxHashMap<Box<[u8]>, u32>,
    byte_ids: [u32; 256],
    /// The rank of every two-byte token, indexed by its bytes (`u32::MAX`: not a token): the
    /// first lookups of every merge, without hashing.
    pairs: Box<[u32]>,
    regex: Regex,
    specials: Vec<(String, u32)>,
    special_matcher: Option<AhoCorasick>,
}

impl TiktokenModel {
    /// Builds the model. Every single byte must be a token (tiktoken needs that too).
    pub fn new(
        ranks: Vec<(Vec<u8>, u32)>,
        pattern: &str,
        specials: Vec<(String, u32)>,
        origin: &str,
    ) -> Result<TiktokenModel> {
        let regex = Regex::tiktoken(pattern)?;
        let n_short = ranks.iter().filter(|(b, _)| b.len() <= SHORT).count();
        let mut short = FxHashMap::with_capacity_and_hasher(n_short, Default::default());
        let mut long =
            FxHashMap::with_capacity_and_hasher(ranks.len() - n_short, Default::default());
        let mut byte_ids = [u32::MAX; 256];
        let mut pairs = vec![u32::MAX; 1 << 16].into_boxed_slice();
        for (bytes, rank) in ranks {
            if bytes.len() == 1 {
                byte_ids[bytes[0] as usize] = rank;
            }
            if bytes.len() == 2 {
                pairs[(bytes[0] as usize) << 8 | bytes[1] as usize] = rank;
            }
            if bytes.len() <= SHORT {
                short.insert(pack(&bytes), rank);
            } else {
                long.insert(bytes.into_boxed_slice(), rank);
            }
        }
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
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(specials.iter().map(|(s, _)| s.as_str()))
                    .expect("special tokens form a valid automaton"),
            )
        };
        Ok(TiktokenModel {
            short,
            long,
            byte_ids,
            pairs,
            regex,
            specials,
            special_matcher,
        })
    }

    /// The special tokens, in the order given.
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }

    /// The rank (= id) of the token with these bytes.
    #[inline(always)]
    fn rank(&self, t: &[u8]) -> Option<u32> {
        match t.len() {
            2 => {
                let r = self.pairs[(t[0] as usize) << 8 | t[1] as usize];
                (r != u32::MAX).then_some(r)
            }
            0..=SHORT => self.short.get(&pack(t)).copied(),
            _ => self.long.get(t).copied(),
        }
    }

    /// tiktoken's `encode_ordinary`: special-token text is ordinary text.
    pub fn encode_ordinary(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let mut scratch = Scratch::default();
        let mut cache = PieceCache::for_text(text);
        self.encode_span(text, 0, out, &mut scratch, &mut cache)
    }

    /// tiktoken's `encode` with `allowed_special` = `allowed` and nothing disallowed: an allowed
    /// special token written in the text becomes its id, anything else is ordinary text.
    pub fn encode_with_special(
        &self,
        text: &str,
        allowed: &dyn Fn(u32) -> bool,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        let mut scratch = Scratch::default();
        let mut cache = PieceCache::for_text(text);
        let Some(matcher) = &self.special_matcher else {
            return self.encode_span(text, 0, out, &mut scratch, &mut cache);
        };
        // As tiktoken: find the next special match; if it is not allowed, search again from
        // one byte after its start (so an allowed token overlapping it is still found).
        let mut start = 0;
        let mut find_from = 0;
        while find_from < text.len() {
            let input = aho_corasick::Input::new(text).span(find_from..text.len());
            let Some(m) = matcher.find(input) else { break };
            let id = self.specials[m.pattern().as_usize()].1;
            if !allowed(id) {
                find_from = m.start() + 1;
                continue;
            }
            self.encode_span(
                &text[start..m.start()],
                start,
                out,
                &mut scratch,
                &mut cache,
            )?;
            out.push(id);
            start = m.end();
            find_from = start;
        }
        self.encode_span(&text[start..], start, out, &mut scratch, &mut cache)
    }

    /// The number of tokens `encode_ordinary` gives, without keeping the ids.
    pub fn count_ordinary(&self, text: &str) -> Result<usize> {
        let mut scratch = Scratch::default();
        let mut cache = PieceCache::for_text(text);
        let mut buf = Vec::with_capacity(64);
        let mut n = 0;
        let bytes = text.as_bytes();
        self.regex.for_each_match(text, |s, e| {
            let piece = &bytes[s..e];
            if self.rank(piece).is_some() {
                n += 1;
            } else if let Some(&(_, len)) = cache.map.get(piece) {
                n += len as usize; // memoized: no ids to copy
            } else {
                buf.clear();
                self.merge_cached(piece, &mut buf, &mut scratch, &mut cache);
                n += buf.len();
            }
        })?;
        Ok(n)
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
    fn encode_span<'t>(
        &self,
        text: &'t str,
        offset: usize,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
        cache: &mut PieceCache<'t>,
    ) -> Result<()> {
        let bytes = text.as_bytes();
        self.regex
            .for_each_match(text, |s, e| {
                let piece = &bytes[s..e];
                match self.rank(piece) {
                    Some(id) => out.push(id),
                    None => self.merge_cached(piece, out, scratch, cache),
                }
            })
            .map_err(|err| match err {
                Error::Pretokenize { offset: o, reason } => Error::Pretokenize {
                    offset: o + offset,
                    reason,
                },
                other => other,
            })
    }

    /// Merges a piece that is not a token, through the cache when it is on.
    #[inline]
    fn merge_cached<'t>(
        &self,
        piece: &'t [u8],
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
        cache: &mut PieceCache<'t>,
    ) {
        if !cache.on || piece.len() > CACHE_PIECE_MAX {
            return self.merge_piece(piece, out, scratch);
        }
        if let Some(&(s, l)) = cache.map.get(piece) {
            out.extend_from_slice(&cache.ids[s as usize..(s + l) as usize]);
            return;
        }
        let start = out.len();
        self.merge_piece(piece, out, scratch);
        if cache.map.len() >= CACHE_ENTRIES {
            return;
        }
        let s = cache.ids.len() as u32;
        cache.ids.extend_from_slice(&out[start..]);
        cache.map.insert(piece, (s, (out.len() - start) as u32));
    }

    /// Runs the merge loop on a piece that is not itself a token.
    fn merge_piece(&self, piece: &[u8], out: &mut Vec<u32>, scratch: &mut Scratch) {
        if piece.len() <= bpe::SCAN_MAX {
            bpe::merge_scan(piece, &self.byte_ids, |t| self.rank(t), out);
            return;
        }
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
    fn the_piece_memo_changes_no_id() {
        for name in ["o200k_base", "cl100k_base"] {
            let b = crate::builtin::find(name).unwrap();
            let ranks = parse_ranks_checked(b.ranks, name, false).unwrap();
            let m = TiktokenModel::new(ranks, b.pattern, vec![], name).unwrap();
            // More distinct non-token pieces than the memo takes, repeated words, Korean,
            // and pieces longer than the memo takes.
            let mut text = String::new();
            let mut i = 0u64;
            while text.len() < 6 << 20 {
                let w = i.wrapping_mul(0x9e3779b97f4a7c15) >> 40;
                let long = if i % 50 == 0 {
                    (i / 50 % 150) as usize
                } else {
                    0
                };
                text.push_str(&format!(
                    "xq{w:x}zv jq{:x}kx 한국어를{} tokenizer's{}\n",
                    w ^ 0x5555,
                    w % 97,
                    "ab".repeat(long)
                ));
                i += 1;
            }
            assert!(text.len() >= CACHE_FROM && 2 * i as usize > CACHE_ENTRIES);
            let mut with = vec![];
            m.encode_ordinary(&text, &mut with).unwrap();
            let mut without = vec![];
            let mut off = PieceCache::for_text("");
            assert!(!off.on);
            m.encode_span(&text, 0, &mut without, &mut Scratch::default(), &mut off)
                .unwrap();
            assert_eq!(with, without, "{name}");
            assert_eq!(m.count_ordinary(&text).unwrap(), without.len());
        }
    }

    #[test]
    fn missing_single_byte_is_an_error() {
        let e = TiktokenModel::new(vec![(b"a".to_vec(), 0)], r"\S+", vec![], "x").unwrap_err();
        assert!(e.to_string().contains("single byte 0x00 is not a token"));
    }
}
