//! The learning loop of a vocabulary extension (see the parent module for the algorithm and
//! its guarantees): the words, their pair counts and candidates, and the steps that add one
//! token at a time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::spm::{self, SpmBase};
use super::{Base, ExtendOptions, Extension, ParityDev, WeightedCounts};
use crate::error::{Result, Setting, TrainError};
use crate::{Choice, Progress, Selector};

const SCALE: f64 = 1000.0;

/// A candidate new token.
#[derive(Debug, Clone, Copy)]
enum Cand {
    /// The concatenation of a pair of tokens.
    Pair(u64),
    /// A whole piece (word).
    Piece(usize),
}

/// The first `i` in `0..n` for which `before(i)` is false (`before` is monotone).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn key(a: u32, b: u32) -> u64 {
    (a as u64) << 32 | b as u64
}

fn unkey(k: u64) -> (u32, u32) {
    ((k >> 32) as u32, k as u32)
}

/// The working state of the merge loop.
struct State<'a> {
    base: &'a Base,
    new_ids: FxHashMap<Vec<u8>, u32>,
    new_tokens: Vec<Vec<u8>>,
    /// Word bytes, concatenated; word `w` is `bytes[starts[w]..starts[w + 1]]`.
    bytes: Vec<u8>,
    starts: Vec<usize>,
    ids: Vec<Vec<u32>>,
    count: Vec<i64>,
    /// The language of each word; dev words have `langs + lang`.
    group: Vec<u16>,
    langs: usize,
    /// Pair counts: index 0 all languages, `1 + l` language `l` (only with parity).
    pairs: Vec<FxHashMap<u64, i64>>,
    heaps: Vec<BinaryHeap<(i64, Reverse<u64>)>>,
    /// Whole-piece candidates per table: (count × (tokens − 1), word).
    word_heaps: Vec<BinaryHeap<(i64, Reverse<u32>)>>,
    index: FxHashMap<u64, Vec<u32>>,
    banned: FxHashSet<u64>,
    dev_tokens: Vec<i64>,
    seen: Vec<u32>,
    epoch: u32,
    /// A SentencePiece base, and the scores of its new pieces.
    spm: Option<(&'a SpmBase, Vec<f32>)>,
}

impl State<'_> {
    /// The token `b` is: an id, or for a SentencePiece base a character that is no piece (a
    /// pseudo-id, see [`spm`]).
    fn rank(&self, b: &[u8]) -> Option<u32> {
        let id = self
            .base
            .ids
            .get(b)
            .or_else(|| self.new_ids.get(b))
            .copied();
        match (id, &self.spm) {
            (None, Some(_)) => {
                let mut chars = std::str::from_utf8(b).ok()?.chars();
                let c = chars.next().filter(|_| chars.next().is_none())?;
                Some(spm::UNKNOWN + c as u32)
            }
            _ => id,
        }
    }

    /// The tokens the symbols `ids` encode to.
    fn cost(&self, ids: &[u32]) -> i64 {
        match &self.spm {
            Some((b, _)) => b.cost(ids),
            None => ids.len() as i64,
        }
    }

    /// The new piece (id and score) that `text` is, if any.
    fn new_piece(&self, text: &str) -> Option<(u32, f32)> {
        let id = *self.new_ids.get(text.as_bytes())?;
        let scores = &self.spm.as_ref().expect("a SentencePiece base").1;
        Some((id, scores[(id - self.base.first_new_id) as usize]))
    }

    /// The bytes of the candidate of pair key `k`.
    fn candidate(&self, k: u64) -> Vec<u8> {
        match unkey(k) {
            (a, spm::CHAR) => spm::char_bytes(a),
            (a, b) => [self.token(a), self.token(b)].concat(),
        }
    }

    fn word(&self, w: usize) -> &[u8] {
        &self.bytes[self.starts[w]..self.starts[w + 1]]
    }

    fn add_pairs(&mut self, w: usize, sign: i64) {
        let g = self.group[w] as usize;
        if g >= self.langs {
            return;
        }
        let c = self.count[w] * sign;
        let per_lang = self.pairs.len() > 1;
        let ids = std::mem::take(&mut self.ids[w]);
        for (i, &id) in ids.iter().enumerate() {
            let (k, gain) = match &self.spm {
                // A pair with a character that is no piece is no candidate; the character is.
                Some((b, _)) if spm::is_pseudo(id) => {
                    let (a, m) = spm::char_key(id);
                    (key(a, m), b.char_gain(id))
                }
                // Nor is a pair that BPE never merges (a user-defined piece).
                Some((b, _)) if i > 0 && !(b.mergeable(ids[i - 1]) && b.mergeable(id)) => continue,
                _ if i == 0 => continue,
                _ => (key(ids[i - 1], id), 1),
            };
            for t in [0, 1 + g] {
                if t > 0 && !per_lang {
                    break;
                }
                let e = self.pairs[t].entry(k).or_insert(0);
                *e += c * gain;
                if sign > 0 {
                    self.heaps[t].push((*e, Reverse(k)));
                }
            }
        }
        self.ids[w] = ids;
        if sign > 0 {
            self.list(w);
        }
    }

    /// Lists word `w` under each of its pairs, and for a SentencePiece base under the
    /// character key of each character that is no piece (a word may be listed twice; merges
    /// skip repeats).
    fn list(&mut self, w: usize) {
        for i in 0..self.ids[w].len() {
            let id = self.ids[w][i];
            if i > 0 {
                let k = key(self.ids[w][i - 1], id);
                self.index.entry(k).or_default().push(w as u32);
            }
            if self.spm.is_some() && spm::is_pseudo(id) {
                let (a, m) = spm::char_key(id);
                self.index.entry(key(a, m)).or_default().push(w as u32);
            }
        }
    }

    /// The most frequent allowed pair of table `t` and its count (left on the heap).
    fn best_pair(&mut self, t: usize, opts: &ExtendOptions) -> Option<(u64, i64)> {
        while let Some(&(c, Reverse(k))) = self.heaps[t].peek() {
            if self.banned.contains(&k) {
                self.heaps[t].pop();
                continue;
            }
            let now = self.pairs[t].get(&k).copied().unwrap_or(0);
            if now != c {
                // Stale. A pair whose count grew got a fresh entry then; one whose count fell
                // did not, so it goes back with its current count (it would be lost otherwise).
                self.heaps[t].pop();
                if now > 0 && now < c {
                    self.heaps[t].push((now, Reverse(k)));
                }
                continue;
            }
            if now <= 0 || (now as f64) < opts.min_frequency as f64 * SCALE {
                return None;
            }
            let tok = self.candidate(k);
            if !self.allowed(&tok, opts) {
                self.banned.insert(k);
                self.heaps[t].pop();
                continue;
            }
            return Some((k, now));
        }
        None
    }

    /// Whether `tok` may become a new token.
    fn allowed(&self, tok: &[u8], opts: &ExtendOptions) -> bool {
        if let Some((b, _)) = &self.spm {
            return !self.new_ids.contains_key(tok) && b.allowed(tok, opts);
        }
        let too_long = opts.max_token_bytes.is_some_and(|m| tok.len() > m);
        !too_long && self.rank(tok).is_none() && opts.script.marks(tok)
    }

    /// The whole piece of table `t` that saves the most tokens, and that saving (left on the
    /// heap). Savings only fall as tokens are added, so a stale entry is pushed back with its
    /// current saving.
    fn best_word(&mut self, t: usize, opts: &ExtendOptions) -> Option<(usize, i64)> {
        while let Some(&(g, Reverse(w))) = self.word_heaps[t].peek() {
            let w = w as usize;
            let now = self.count[w] * (self.ids[w].len() as i64 - 1);
            if now != g {
                self.word_heaps[t].pop();
                if now > 0 {
                    self.word_heaps[t].push((now, Reverse(w as u32)));
                }
                continue;
            }
            if now <= 0 || (now as f64) < opts.min_frequency as f64 * SCALE {
                return None;
            }
            if !self.allowed(self.word(w), opts) {
                self.word_heaps[t].pop();
                continue;
            }
            return Some((w, now));
        }
        None
    }

    /// The best candidate of table `t`: a pair, or (with `whole_pieces`) a whole piece.
    fn best(&mut self, t: usize, opts: &ExtendOptions) -> Option<(Cand, i64)> {
        let pair = self.best_pair(t, opts).map(|(k, c)| (Cand::Pair(k), c));
        if !opts.whole_pieces {
            return pair;
        }
        let word = self.best_word(t, opts).map(|(w, g)| (Cand::Piece(w), g));
        match (pair, word) {
            (Some(p), Some(w)) => Some(if w.1 as f64 > opts.piece_bias * p.1 as f64 {
                w
            } else {
                p
            }),
            (p, w) => p.or(w),
        }
    }

    /// The words whose bytes are `tok`.
    fn words_equal(&self, tok: &[u8]) -> std::ops::Range<usize> {
        let n = self.count.len();
        let lo = partition(n, |w| self.word(w) < tok);
        let hi = partition(n, |w| self.word(w) <= tok);
        lo..hi
    }

    fn token(&self, id: u32) -> &[u8] {
        if id >= self.base.first_new_id {
            &self.new_tokens[(id - self.base.first_new_id) as usize]
        } else {
            &self.base.tokens[id as usize]
        }
    }

    /// Adds candidate `c` as a token and re-encodes the words it touches. Returns the pair
    /// it was made from (`None` for a whole piece or a character).
    fn apply(&mut self, c: Cand) -> Option<(u32, u32)> {
        let (tok, k) = match c {
            Cand::Pair(k) => (self.candidate(k), Some(k)),
            Cand::Piece(w) => (self.word(w).to_vec(), None),
        };
        let id = self.base.first_new_id + self.new_tokens.len() as u32;
        self.new_ids.insert(tok.clone(), id);
        self.new_tokens.push(tok.clone());
        let (words, keys) = self.touched(&tok, k);
        let new = self.reencode(&words, k.map_or((u32::MAX, u32::MAX), unkey), id);
        for (&w, new) in words.iter().zip(new) {
            let Some(new) = new else {
                // Unchanged: list it again under the removed keys it still holds.
                let ids = std::mem::take(&mut self.ids[w]);
                for (i, &t) in ids.iter().enumerate() {
                    let pair = (i > 0).then(|| key(ids[i - 1], t));
                    let char_key = spm::is_pseudo(t).then(|| {
                        let (a, m) = spm::char_key(t);
                        key(a, m)
                    });
                    for k in [pair, char_key].into_iter().flatten() {
                        if keys.contains(&k) {
                            self.index.entry(k).or_default().push(w as u32);
                        }
                    }
                }
                self.ids[w] = ids;
                continue;
            };
            let g = self.group[w] as usize;
            if g >= self.langs {
                self.dev_tokens[g - self.langs] +=
                    self.count[w] * (self.cost(&new) - self.cost(&self.ids[w]));
                self.ids[w] = new;
                self.list(w);
                continue;
            }
            self.add_pairs(w, -1);
            self.ids[w] = new;
            self.add_pairs(w, 1);
        }
        k.map(unkey).filter(|p| p.1 != spm::CHAR)
    }

    /// The words that the new token `tok` (made from the pair of key `k`, if any) may change,
    /// taken off the index, and the keys they were listed under: every split of `tok` into
    /// two tokens (tiktoken's rule merges any of them, SentencePiece's any whose
    /// concatenation is a piece), or only the pair itself (Hugging Face's rule).
    fn touched(&mut self, tok: &[u8], k: Option<u64>) -> (Vec<usize>, Vec<u64>) {
        let mut keys: Vec<u64> = k.into_iter().collect();
        if !matches!(self.base.kind, super::Kind::Hf { .. }) {
            for s in 1..tok.len() {
                if let (Some(l), Some(r)) = (self.rank(&tok[..s]), self.rank(&tok[s..])) {
                    if Some(key(l, r)) != k {
                        keys.push(key(l, r));
                    }
                }
            }
        }
        self.epoch += 1;
        let mut words = vec![];
        // A piece that is a token is that token (tiktoken's first check).
        for w in self.words_equal(tok) {
            self.seen[w] = self.epoch;
            words.push(w);
        }
        for &k in &keys {
            if let Some(list) = self.index.remove(&k) {
                for w in list {
                    if self.seen[w as usize] != self.epoch {
                        self.seen[w as usize] = self.epoch;
                        words.push(w as usize);
                    }
                }
            }
        }
        words.sort_unstable();
        (words, keys)
    }

    /// The new tokens of `words` with the new token `id` (made from the pair `(a, b)`, if
    /// any), by the base's rule; `None` for a word that does not change.
    fn reencode(&self, words: &[usize], (a, b): (u32, u32), id: u32) -> Vec<Option<Vec<u32>>> {
        let tiktoken = self.base.is_tiktoken();
        words
            .par_iter()
            .map(|&w| {
                let old = &self.ids[w];
                let new = if let Some((base, _)) = &self.spm {
                    let word = std::str::from_utf8(self.word(w)).expect("normalized text");
                    base.symbols(word, &|t: &str| self.new_piece(t))
                } else if tiktoken {
                    fairtok_core::tiktoken::encode_piece_with(self.word(w), |t| self.rank(t))
                        .expect("every byte is a token")
                } else {
                    crate::merge::replace_pair(old, a, b, id)
                };
                (new != *old).then_some(new)
            })
            .collect()
    }
}

/// Extends `base` with up to `opts.add` tokens learnt from `inputs` (see the module docs):
/// the weighted words of the inputs and the dev words (`words_of`, `dev_words`) become the
/// loop's state (`State::new`, `State::seed`), then each step takes the candidate that the
/// rule picks (`State::pick`) and applies it.
pub fn extend_counts(
    base: &Base,
    inputs: Vec<WeightedCounts>,
    parity: Option<&ParityDev>,
    opts: &ExtendOptions,
    progress: &dyn Progress,
) -> Result<Extension> {
    check_options(base, opts)?;
    let (langs, mut words) = words_of(inputs, opts)?;
    let dev_base = match parity {
        Some(dev) => dev_words(base, dev, &langs, opts, &mut words)?,
        None => vec![0; langs.len()],
    };
    let tables = if parity.is_some() { 1 + langs.len() } else { 1 };
    let mut st = State::new(base, words, langs.len(), tables)?;
    st.spm = base.spm().map(|b| (b, b.scores(opts.add)));
    st.seed(opts, tables);
    // The dev total of a language = its tokens outside the script-bearing pieces (constant)
    // + the tokens of its dev words (tracked).
    let dev_const: Vec<i64> = (0..langs.len())
        .map(|l| dev_base[l] - st.dev_tokens[l])
        .collect();
    let premium = |st: &State, l: usize| -> f64 {
        let p = parity.expect("parity");
        (dev_const[l] + st.dev_tokens[l]) as f64 / p.pivot_tokens.max(1) as f64
    };
    progress.stage("merging", Some(opts.add as u64));
    let mut ext = Extension::empty(base);
    let mut selector = parity.map(|p| Selector::new(langs.len(), p.selection));
    while ext.tokens.len() < opts.add {
        let Some((k, c, by)) = st.pick(selector.as_ref(), &dev_const, opts) else {
            break;
        };
        if let Some(sel) = &mut selector {
            sel.commit(by.map_or(Choice::Global, Choice::Language));
        }
        ext.merges.push(st.apply(k));
        ext.tokens.push(st.new_tokens.last().unwrap().clone());
        ext.counts.push((c as f64 / SCALE).round() as u64);
        ext.chosen_by.push(by);
        if parity.is_some() {
            ext.dev_premium
                .push((0..langs.len()).map(|l| premium(&st, l)).collect());
        }
        progress.set(ext.tokens.len() as u64);
        if progress.cancelled() {
            return Err(TrainError::Cancelled);
        }
    }
    progress.finish();
    Ok(ext)
}

/// Refuses options the base cannot honour (callers check before reading any input).
pub fn check_options(base: &Base, opts: &ExtendOptions) -> Result<()> {
    if opts.whole_pieces && !base.is_tiktoken() {
        return Err(TrainError::invalid(
            Setting::WholePieces,
            "whole-piece tokens need a tiktoken-rule base (tokenizer.json and SentencePiece bases reach tokens only through merges)",
        ));
    }
    if let Some(b) = base.spm() {
        b.check_script(&opts.script)?;
    }
    Ok(())
}

/// A word of the loop: `((piece, group), weighted count)`; the group is the input language,
/// or `languages + l` for a dev word of language `l`.
type Word = ((Vec<u8>, u16), i64);

/// The input languages (in order of first appearance) and one word per distinct
/// `(piece, language)` whose piece holds the script, with its weighted count.
fn words_of(inputs: Vec<WeightedCounts>, opts: &ExtendOptions) -> Result<(Vec<String>, Vec<Word>)> {
    let mut langs: Vec<String> = vec![];
    for i in &inputs {
        if !langs.contains(&i.lang) {
            langs.push(i.lang.clone());
        }
        if !(i.weight.is_finite() && i.weight > 0.0) {
            return Err(TrainError::invalid(
                Setting::Inputs,
                format!("{}: the weight must be a positive number", i.lang),
            ));
        }
    }
    let mut table: FxHashMap<(Vec<u8>, u16), i64> = FxHashMap::default();
    for i in inputs {
        let l = langs.iter().position(|x| *x == i.lang).unwrap() as u16;
        let w = i.weight * SCALE;
        for (piece, c) in i.counts.iter() {
            if opts.script.occurs_in(piece) {
                *table.entry((piece.to_vec(), l)).or_insert(0) += (c as f64 * w).round() as i64;
            }
        }
    }
    if table.is_empty() {
        return Err(TrainError::EmptyCorpus(format!(
            "no piece of the inputs has a character of the script {}",
            opts.script.name()
        )));
    }
    Ok((langs, table.into_iter().collect()))
}

/// Adds the dev words (one per distinct dev piece with the script, of each input language) to
/// `words`; returns each language's dev tokens under the base.
fn dev_words(
    base: &Base,
    dev: &ParityDev,
    langs: &[String],
    opts: &ExtendOptions,
    words: &mut Vec<Word>,
) -> Result<Vec<i64>> {
    let re = fairtok_core::pattern::Regex::tiktoken(&base.pattern)?;
    let mut dev_base = vec![0i64; langs.len()];
    for (l, lang) in langs.iter().enumerate() {
        let Some((_, lines)) = dev.lines.iter().find(|(t, _)| t == lang) else {
            return Err(TrainError::Usage(format!(
                "the parity dev set has no lines for the input language {lang}"
            )));
        };
        let mut pieces: FxHashMap<Vec<u8>, i64> = FxHashMap::default();
        for line in lines {
            dev_base[l] += base.tokenizer.count(line)? as i64;
            let normalized;
            let line = match base.spm() {
                Some(b) => {
                    normalized = b.model.normalize(line);
                    &normalized
                }
                None => line,
            };
            re.for_each_match(line, |s, e| {
                let p = &line.as_bytes()[s..e];
                if opts.script.occurs_in(p) {
                    *pieces.entry(p.to_vec()).or_insert(0) += 1;
                }
            })?;
        }
        words.extend(
            pieces
                .into_iter()
                .map(|(p, c)| ((p, (langs.len() + l) as u16), c)),
        );
    }
    Ok(dev_base)
}

impl<'a> State<'a> {
    /// The state over `words` (sorted here, so runs are deterministic), each encoded with the
    /// base, with `tables` pair tables (1, or 1 + one per language with parity).
    fn new(base: &'a Base, mut words: Vec<Word>, langs: usize, tables: usize) -> Result<State<'a>> {
        words.sort_unstable();
        let n = words.len();
        let mut bytes = Vec::with_capacity(words.iter().map(|w| w.0 .0.len()).sum());
        let mut starts = Vec::with_capacity(n + 1);
        let mut count = Vec::with_capacity(n);
        let mut group = Vec::with_capacity(n);
        starts.push(0);
        for ((p, g), c) in &words {
            bytes.extend_from_slice(p);
            starts.push(bytes.len());
            count.push(*c);
            group.push(*g);
        }
        drop(words);
        let ids: Vec<Vec<u32>> = (0..n)
            .into_par_iter()
            .map(|w| {
                let p = &bytes[starts[w]..starts[w + 1]];
                match (std::str::from_utf8(p), base.spm()) {
                    (Ok(s), Some(b)) => Ok(b.symbols(s, &|_: &str| None)),
                    (Ok(s), None) => base.tokenizer.encode(s),
                    (Err(_), _) => Ok(p.iter().map(|&b| base.ids[&[b][..]]).collect()),
                }
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(State {
            base,
            new_ids: FxHashMap::default(),
            new_tokens: vec![],
            bytes,
            starts,
            ids,
            count,
            group,
            langs,
            pairs: vec![FxHashMap::default(); tables],
            heaps: vec![BinaryHeap::new(); tables],
            word_heaps: vec![BinaryHeap::new(); tables],
            index: FxHashMap::default(),
            banned: FxHashSet::default(),
            dev_tokens: vec![0; langs],
            seen: vec![0; n],
            epoch: 0,
            spm: None,
        })
    }

    /// The initial pair counts and candidates: training words add their pairs (and, with
    /// whole pieces, their gain), dev words add their tokens to their language's dev total and
    /// are listed under their pairs, so merges re-encode them.
    fn seed(&mut self, opts: &ExtendOptions, tables: usize) {
        for w in 0..self.ids.len() {
            let g = self.group[w] as usize;
            if g >= self.langs {
                self.dev_tokens[g - self.langs] += self.count[w] * self.cost(&self.ids[w]);
                self.list(w);
            } else {
                self.add_pairs(w, 1);
                if opts.whole_pieces && self.ids[w].len() > 1 {
                    let gain = self.count[w] * (self.ids[w].len() as i64 - 1);
                    self.word_heaps[0].push((gain, Reverse(w as u32)));
                    if tables > 1 {
                        self.word_heaps[1 + g].push((gain, Reverse(w as u32)));
                    }
                }
            }
        }
    }

    /// The next candidate, its saving and the language that chose it: with a selector, the
    /// language whose dev text is longest (the dev lines are parallel, so that is the highest
    /// premium) takes its best candidate, and one with none gives way; else, or when no
    /// language has one, the best candidate over all inputs.
    fn pick(
        &mut self,
        selector: Option<&Selector>,
        dev_const: &[i64],
        opts: &ExtendOptions,
    ) -> Option<(Cand, i64, Option<usize>)> {
        if let Some(sel) = selector {
            let mut usable = vec![true; self.langs];
            let dev: Vec<u64> = (0..self.langs)
                .map(|l| (dev_const[l] + self.dev_tokens[l]).max(0) as u64)
                .collect();
            while let Choice::Language(l) = sel.choose(&dev, &usable) {
                match self.best(1 + l, opts) {
                    Some((k, c)) => return Some((k, c, Some(l))),
                    None => usable[l] = false,
                }
            }
        }
        self.best(0, opts).map(|(k, c)| (k, c, None))
    }
}
