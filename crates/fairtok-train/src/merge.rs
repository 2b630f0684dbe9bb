//! The merge loop: classical byte-level BPE over counted pieces.
//!
//! # Data
//!
//! Every distinct piece of at least two bytes is a **word**: its symbols (token ids, one per
//! byte at the start) live in one flat `Vec<u32>` with no per-word allocation, beside its count.
//! For every adjacent pair of symbols the loop keeps its **count** (the sum, over words, of the
//! word's count times the pair's occurrences in it; `u64`) and the list of words it occurs in.
//! A max-heap holds `(count, pair)` entries.
//!
//! # One merge
//!
//! Pop the heap top. An entry whose count is no longer the pair's count is stale (lazy
//! deletion): it is pushed back with the current count, or dropped if that is zero. Otherwise
//! the pair `(a, b)` becomes token `n`; every word on its list is rewritten in place, left to
//! right, non-overlapping (so `a a a` becomes `aa a`), and for each occurrence the neighbour
//! pairs are updated: `(x, a)` and `(b, y)` lose the word's count, `(x, n)` and `(n, y)` gain it
//! and get the word on their list. Pairs whose count grew get a fresh heap entry.
//!
//! # Ties and determinism
//!
//! The heap orders by count, then by the smaller pair `(left id, right id)`. Token ids are
//! deterministic (bytes are ids 0-255, merge `k` is id `256 + k`) and counts are sums, so the
//! result does not depend on the number of threads or on the order in which pieces were
//! counted: the same input gives byte-identical output.
//!
//! # Complexity
//!
//! Building is `O(S)` for `S` symbols in all distinct pieces. A merge costs
//! `O(Σ len(w))` over the words that contain its pair, plus `O(log H)` per heap push. Words not
//! containing the pair are never touched: there is no recount per merge.
//!
//! # Memory
//!
//! The word arena holds `3 + len` `u32` per word (length, count, symbols): `4 S + 12 W` bytes
//! for `W` words of `S` bytes in all, allocated once. Each (pair, word) list entry is 4 bytes
//! (at most `S` at the start, allocated at their exact sizes); each live pair costs about 50
//! bytes (a 16-byte index entry, a 32-byte slot); the heap 16 bytes per entry, and it is rebuilt
//! from the live pairs when stale entries outnumber them. A merged pair, or one whose count
//! drops to zero, is freed at once.
//!
//! # Parity-aware mode
//!
//! [`Builder::with_lanes`] and [`Builder::train_parity`] run the same loop, instantiated with
//! lanes (a const generic, so the classical instantiation has none of this):
//!
//! * A word is one `(piece, language)`; the top byte of its count's high half is its lane
//!   (`0xFF`: a language without dev text). Counts are kept in 56 bits.
//! * Each pair slot has `L` lane counts beside its total (`8 L` bytes), and each lane has a
//!   max-heap of `(lane count, pair)` with lazy deletion, like the global heap.
//! * Before a merge, [`Selector::choose`] picks global or a lane from the lanes' current dev
//!   token counts ([`DevSet`]); the lane's heap yields its most frequent pair (a lane with no
//!   pair left is marked unusable and the rule asked again). The chosen pair is merged in
//!   every word, whatever its language, exactly as a classical merge; the per-merge neighbour
//!   tables (`Side`) also sum by lane, and the lane counts of the neighbour pairs move with
//!   the totals. Then the dev words are merged ([`DevSet::apply`]) and the choice committed.
//! * The merge counts recorded ([`Merges::counts`]) are the pairs' total counts, whichever
//!   lane chose them.
//!
//! # Parallelism
//!
//! A merge whose pair sits in at least 8,192 words splits its (sorted) word list into one run
//! per thread; the runs own disjoint ranges of the arena, and each thread records its
//! neighbour counts separately, added up in list order afterwards, so the result is the same
//! for any number of threads.

use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use crate::error::{Result, TrainError};
use crate::parity::{Choice, Selector};
use crate::Progress;

/// How to train.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// Number of merges wanted (the vocabulary then has `256 + merges` ordinary tokens).
    pub merges: usize,
    /// Pairs seen fewer times than this are not merged (training stops).
    pub min_frequency: u64,
    /// No token longer than this many bytes is made.
    pub max_token_bytes: Option<usize>,
    /// Threads that rewrite the words of one merge (merges touching few words use one).
    pub threads: usize,
}

/// The result of the merge loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merges {
    /// Bytes of every ordinary token by id: ids 0-255 are the single bytes, then one per merge.
    pub tokens: Vec<Vec<u8>>,
    /// The merges in order: merge `k` makes token `256 + k` from `(left, right)`.
    pub merges: Vec<(u32, u32)>,
    /// The pair count at the time of each merge.
    pub counts: Vec<u64>,
}

#[derive(Default)]
struct PairStat {
    count: u64,
    words: Vec<u32>,
}

/// Live pairs: a small hash index (16 bytes a pair) into a slab of stats, so growing the index
/// never moves the stats. In parity mode each slot also has `lanes` counts in `lang`.
#[derive(Default)]
struct Pairs {
    index: FxHashMap<u64, u32>,
    slab: Vec<PairStat>,
    free: Vec<u32>,
    lanes: usize,
    /// Parity mode: the count of slot `i` in lane `l` is `lang[i * lanes + l]`.
    lang: Vec<u64>,
}

impl Pairs {
    fn with_lanes(lanes: usize) -> Pairs {
        Pairs {
            lanes,
            ..Default::default()
        }
    }

    fn get_mut(&mut self, k: u64) -> Option<&mut PairStat> {
        let i = *self.index.get(&k)?;
        Some(&mut self.slab[i as usize])
    }

    fn slot(&self, k: u64) -> Option<usize> {
        self.index.get(&k).map(|&i| i as usize)
    }

    fn entry_slot(&mut self, k: u64) -> usize {
        (match self.index.get(&k) {
            Some(&i) => i,
            None => {
                let i = match self.free.pop() {
                    Some(i) => i,
                    None => {
                        self.slab.push(PairStat::default());
                        self.lang.resize(self.slab.len() * self.lanes, 0);
                        (self.slab.len() - 1) as u32
                    }
                };
                self.index.insert(k, i);
                i
            }
        }) as usize
    }

    fn remove(&mut self, k: u64) -> Option<PairStat> {
        let i = self.index.remove(&k)?;
        self.free.push(i);
        self.lang[i as usize * self.lanes..][..self.lanes].fill(0);
        Some(std::mem::take(&mut self.slab[i as usize]))
    }

    fn len(&self) -> usize {
        self.index.len()
    }
}

/// A heap of the live pairs that are not banned, each with `count(slot)`; zero counts are left
/// out (a lane's heap has only the pairs seen in its lane).
fn live_heap(
    stats: &Pairs,
    banned: &rustc_hash::FxHashSet<u64>,
    count: impl Fn(usize) -> u64,
) -> BinaryHeap<Entry> {
    stats
        .index
        .iter()
        .filter(|(k, _)| !banned.contains(k))
        .map(|(&pair, &i)| Entry {
            count: count(i as usize),
            pair,
        })
        .filter(|e| e.count > 0)
        .collect()
}

#[derive(PartialEq, Eq)]
struct Entry {
    count: u64,
    pair: u64,
}

impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.count
            .cmp(&o.count)
            .then_with(|| o.pair.cmp(&self.pair))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

/// `ids` with every occurrence of the pair `(a, b)`, left to right and without overlap,
/// replaced by `new`: one merge applied to one word the plain way. It is the rule of a merge
/// appended last to a Hugging Face merge list (used by [`crate::extend`]) and the reference the
/// tests hold the incremental loop to.
pub(crate) fn replace_pair(ids: &[u32], a: u32, b: u32, new: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(ids.len());
    let mut i = 0;
    while i < ids.len() {
        if i + 1 < ids.len() && ids[i] == a && ids[i + 1] == b {
            out.push(new);
            i += 2;
        } else {
            out.push(ids[i]);
            i += 1;
        }
    }
    out
}

fn key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// The words being merged, in one arena of `u32`: a word at offset `o` is its current length,
/// its count (two halves), then its symbols. A word is named by its offset, so reaching a word
/// touches one place in memory.
struct Words {
    arena: Vec<u32>,
    n: usize,
}

const HDR: usize = 3;

/// The lane of a word whose language takes no part in parity-aware selection.
const NO_LANE: usize = 0xFF;
/// In parity mode the top byte of a word's count (high half) is its lane.
const LANE_SHIFT: u32 = 24;
/// The largest count a word can have in parity mode (56 bits).
const MAX_LANE_COUNT: u64 = (1 << 56) - 1;

/// A word's count, and its lane in parity mode (`LANES`).
#[inline(always)]
fn word_count<const LANES: bool>(arena: &[u32], o: usize) -> (u64, usize) {
    let hi = arena[o + 2];
    if LANES {
        (
            arena[o + 1] as u64 | ((hi & ((1 << LANE_SHIFT) - 1)) as u64) << 32,
            (hi >> LANE_SHIFT) as usize,
        )
    } else {
        (arena[o + 1] as u64 | (hi as u64) << 32, 0)
    }
}

/// Builds the words from `(piece, count)` pairs.
pub struct Builder {
    words: Words,
    /// Parity-aware lanes (languages with dev text); 0 for classical training.
    lanes: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Builder {
        Builder {
            words: Words {
                arena: vec![],
                n: 0,
            },
            lanes: 0,
        }
    }

    /// An empty builder with room for pieces of `bytes` bytes in all (pieces shorter than two
    /// bytes need not be counted), so the arena is allocated once, at its final size.
    pub fn with_capacity(pieces: usize, bytes: usize) -> Builder {
        Builder {
            words: Words {
                arena: Vec::with_capacity(bytes + HDR * pieces),
                n: 0,
            },
            lanes: 0,
        }
    }

    /// An empty builder for parity-aware training with `lanes` languages that have dev text
    /// (at most 254), with room as [`with_capacity`](Self::with_capacity). Words are added
    /// with [`add_in`](Self::add_in), once per language they occur in.
    pub fn with_lanes(lanes: usize, pieces: usize, bytes: usize) -> Result<Builder> {
        if lanes >= NO_LANE {
            return Err(TrainError::Usage(format!(
                "{lanes} languages with dev text: parity-aware training takes at most {}",
                NO_LANE - 1
            )));
        }
        let mut b = Builder::with_capacity(pieces, bytes);
        b.lanes = lanes;
        Ok(b)
    }

    /// Adds a piece seen `count` times. Pieces shorter than two bytes are skipped (they hold no
    /// pair). In a parity builder the piece belongs to no lane (as `add_in(piece, None, count)`).
    pub fn add(&mut self, piece: &[u8], count: u64) {
        if self.lanes > 0 {
            return self.add_in(piece, None, count);
        }
        if piece.len() < 2 || count == 0 {
            return;
        }
        let w = &mut self.words;
        w.arena.push(piece.len() as u32);
        w.arena.push(count as u32);
        w.arena.push((count >> 32) as u32);
        w.arena.extend(piece.iter().map(|&b| b as u32));
        w.n += 1;
    }

    /// Adds a piece seen `count` times in the language of lane `lane` (`None`: a language
    /// without dev text, which only global merges serve). In a parity builder a count is kept
    /// in 56 bits (larger counts are capped). In a classical builder the lane is ignored.
    ///
    /// # Panics
    ///
    /// If `lane` is not below the builder's number of lanes.
    pub fn add_in(&mut self, piece: &[u8], lane: Option<usize>, count: u64) {
        if self.lanes == 0 {
            return self.add(piece, count);
        }
        if piece.len() < 2 || count == 0 {
            return;
        }
        let lane = match lane {
            Some(l) => {
                assert!(l < self.lanes, "lane {l} out of range");
                l
            }
            None => NO_LANE,
        };
        let count = count.min(MAX_LANE_COUNT);
        let w = &mut self.words;
        w.arena.push(piece.len() as u32);
        w.arena.push(count as u32);
        w.arena
            .push((count >> 32) as u32 | (lane as u32) << LANE_SHIFT);
        w.arena.extend(piece.iter().map(|&b| b as u32));
        w.n += 1;
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.n
    }

    /// Whether there is no word.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs the merge loop (classical BPE: every merge is the most frequent pair overall).
    /// In a parity builder the lanes are ignored.
    pub fn train(self, opts: &MergeOptions, progress: &dyn Progress) -> Result<Merges> {
        if self.lanes > 0 {
            // Same words, lanes ignored: mask the lane bytes off.
            let mut w = self.words;
            let mut o = 0;
            while o < w.arena.len() {
                let n = w.arena[o] as usize;
                w.arena[o + 2] &= (1 << LANE_SHIFT) - 1;
                o += HDR + n;
            }
            return Ok(train::<false>(w, opts, progress, None)?.0);
        }
        Ok(train::<false>(self.words, opts, progress, None)?.0)
    }

    /// Runs the parity-aware merge loop: before each merge `selector` chooses, from the dev
    /// token counts of `dev`, whether the merge is the most frequent pair overall or in one
    /// lane's words; the merge is applied to every word and to the dev words. `dev` and
    /// `selector` must have this builder's number of lanes.
    pub fn train_parity(
        self,
        opts: &MergeOptions,
        dev: DevSet,
        selector: Selector,
        progress: &dyn Progress,
    ) -> Result<(Merges, ParityStats)> {
        let lanes = self.lanes;
        if lanes == 0 || dev.lanes() != lanes || selector.languages() != lanes {
            return Err(TrainError::Usage(format!(
                "parity-aware training: {} lanes of words, {} of dev text, {} in the selector",
                lanes,
                dev.lanes(),
                selector.languages()
            )));
        }
        let before = dev.tokens().to_vec();
        let state = ParityState {
            heaps: (0..lanes).map(|_| BinaryHeap::new()).collect(),
            usable: vec![true; lanes],
            lanes,
            dev,
            selector,
        };
        let (m, state) = train::<true>(self.words, opts, progress, Some(state))?;
        let state = state.expect("parity state");
        Ok((
            m,
            ParityStats {
                dev_tokens_before: before,
                dev_tokens_after: state.dev.tokens().to_vec(),
                merges_taken: state.selector.taken().to_vec(),
                global_merges: state.selector.global(),
            },
        ))
    }
}

/// What parity-aware training did, per lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParityStats {
    /// Dev tokens of each lane before the first merge (its dev bytes).
    pub dev_tokens_before: Vec<u64>,
    /// Dev tokens of each lane after the last merge.
    pub dev_tokens_after: Vec<u64>,
    /// Merges chosen for each lane.
    pub merges_taken: Vec<u64>,
    /// Merges chosen globally (hybrid steps, or when no lane had a pair left).
    pub global_merges: u64,
}

/// The parallel dev text as words, merged along with the training words, so each lane's dev
/// token count is always current.
///
/// Each distinct `(lane, piece)` of the dev text is a word with its count; a piece of `n`
/// bytes starts as `n` tokens. A merge `(a, b) → new` rewrites the dev words holding the pair
/// (found through a pair → words index, kept as the training words' lists are: entries are
/// added for the new pairs and checked on use) and lowers the lane's count by the
/// occurrences replaced, times the word's count. So the count after merge `k` is exactly the
/// number of tokens the vocabulary of the first `k` merges gives the dev lines (each line
/// encoded on its own, as `fairtok parity` does).
#[derive(Debug, Clone, Default)]
pub struct DevSet {
    lanes: usize,
    words: Vec<DevWord>,
    index: FxHashMap<u64, Vec<u32>>,
    tokens: Vec<u64>,
}

#[derive(Debug, Clone)]
struct DevWord {
    lane: usize,
    count: u64,
    syms: Vec<u32>,
}

impl DevSet {
    /// An empty dev set of `lanes` languages.
    pub fn new(lanes: usize) -> DevSet {
        DevSet {
            lanes,
            tokens: vec![0; lanes],
            ..Default::default()
        }
    }

    /// Adds a dev piece of lane `lane` seen `count` times.
    ///
    /// # Panics
    ///
    /// If `lane` is out of range.
    pub fn add(&mut self, lane: usize, piece: &[u8], count: u64) {
        assert!(lane < self.lanes, "lane {lane} out of range");
        self.tokens[lane] += piece.len() as u64 * count;
        if piece.len() < 2 || count == 0 {
            return;
        }
        let id = self.words.len() as u32;
        for p in piece.windows(2) {
            let l = self.index.entry(key(p[0] as u32, p[1] as u32)).or_default();
            if l.last() != Some(&id) {
                l.push(id);
            }
        }
        self.words.push(DevWord {
            lane,
            count,
            syms: piece.iter().map(|&b| b as u32).collect(),
        });
    }

    /// The number of lanes.
    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// The current token count of each lane.
    pub fn tokens(&self) -> &[u64] {
        &self.tokens
    }

    /// Applies merge `(a, b) → new` (`new` a token id not used before) to every dev word.
    pub fn apply(&mut self, a: u32, b: u32, new: u32) {
        let Some(mut list) = self.index.remove(&key(a, b)) else {
            return;
        };
        list.sort_unstable();
        list.dedup();
        let mut fresh: Vec<u64> = vec![];
        for wi in list {
            let w = &mut self.words[wi as usize];
            let s = &mut w.syms;
            let n = s.len();
            let (mut out, mut i, mut k) = (0, 0, 0u64);
            while i < n {
                if i + 1 < n && s[i] == a && s[i + 1] == b {
                    s[out] = new;
                    i += 2;
                    k += 1;
                } else {
                    s[out] = s[i];
                    i += 1;
                }
                out += 1;
            }
            s.truncate(out);
            if k == 0 {
                continue; // a stale entry: the word no longer holds the pair
            }
            self.tokens[w.lane] -= k * w.count;
            fresh.clear();
            for j in 0..out {
                if s[j] == new {
                    if j > 0 {
                        fresh.push(key(s[j - 1], new));
                    }
                    if j + 1 < out {
                        fresh.push(key(new, s[j + 1]));
                    }
                }
            }
            for &f in &fresh {
                let l = self.index.entry(f).or_default();
                if l.last() != Some(&wi) {
                    l.push(wi);
                }
            }
        }
    }
}

/// The parity-aware side of the merge loop: a heap per lane, the dev words and the rule.
struct ParityState {
    lanes: usize,
    /// Per lane, `(count in the lane, pair)` entries, lazily deleted like the global heap.
    heaps: Vec<BinaryHeap<Entry>>,
    /// Lanes that may still have a pair to merge.
    usable: Vec<bool>,
    dev: DevSet,
    selector: Selector,
}

/// Pops the global heap until a live pair whose entry is current comes up; pairs too long to
/// merge are banned on the way. `None`: no pair left at `min_frequency` or more.
fn pop_global(
    heap: &mut BinaryHeap<Entry>,
    stats: &mut Pairs,
    banned: &mut rustc_hash::FxHashSet<u64>,
    tokens: &[Vec<u8>],
    opts: &MergeOptions,
) -> Option<u64> {
    loop {
        let Entry { count, pair } = heap.pop()?;
        if banned.contains(&pair) {
            continue;
        }
        let Some(st) = stats.get_mut(pair) else {
            continue;
        };
        if st.count != count {
            if st.count > 0 {
                heap.push(Entry {
                    count: st.count,
                    pair,
                });
            }
            continue;
        }
        if count < opts.min_frequency.max(1) {
            return None;
        }
        if too_long(pair, tokens, opts) {
            st.words = vec![];
            banned.insert(pair);
            continue;
        }
        return Some(pair);
    }
}

/// Pops lane `l`'s heap the same way, by the pairs' counts in that lane. `None`: the lane has
/// no pair left at `min_frequency` or more (for good: a lane's new pairs never count more
/// than the pair merged to make them).
fn pop_lane(
    ps: &mut ParityState,
    l: usize,
    stats: &mut Pairs,
    banned: &mut rustc_hash::FxHashSet<u64>,
    tokens: &[Vec<u8>],
    opts: &MergeOptions,
) -> Option<u64> {
    let heap = &mut ps.heaps[l];
    loop {
        let Entry { count, pair } = heap.pop()?;
        if banned.contains(&pair) {
            continue;
        }
        let Some(slot) = stats.slot(pair) else {
            continue;
        };
        let cur = stats.lang[slot * ps.lanes + l];
        if cur != count {
            if cur > 0 {
                heap.push(Entry { count: cur, pair });
            }
            continue;
        }
        if count < opts.min_frequency.max(1) {
            return None;
        }
        if too_long(pair, tokens, opts) {
            stats.slab[slot].words = vec![];
            banned.insert(pair);
            continue;
        }
        return Some(pair);
    }
}

fn too_long(pair: u64, tokens: &[Vec<u8>], opts: &MergeOptions) -> bool {
    let (a, b) = ((pair >> 32) as usize, pair as u32 as usize);
    opts.max_token_bytes
        .is_some_and(|m| tokens[a].len() + tokens[b].len() > m)
}

/// The merge loop. `LANES`: parity-aware (`par` is `Some`), words carry their lane and every
/// pair its count per lane.
///
/// Each step: [`pick`] the pair (the most frequent, or the chosen lane's), record the new
/// token, rewrite the words that hold the pair ([`rewrite_words`], split over the threads when
/// the pair is in many words), [`gain_new_pairs`] then [`lose_old_pairs`] with what the words'
/// neighbours said, and now and then rebuild the heaps ([`drop_stale_entries`]).
fn train<const LANES: bool>(
    mut w: Words,
    opts: &MergeOptions,
    progress: &dyn Progress,
    mut par: Option<ParityState>,
) -> Result<(Merges, Option<ParityState>)> {
    if w.arena.len() > u32::MAX as usize {
        return Err(TrainError::invalid(
            crate::Setting::MaxPieces,
            "the distinct pieces hold more than 4 billion bytes; lower the cap",
        ));
    }
    debug_assert_eq!(LANES, par.is_some());
    let lanes = par.as_ref().map_or(0, |p| p.lanes);
    w.arena.shrink_to_fit();
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let mut merges = Vec::with_capacity(opts.merges);
    let mut counts = Vec::with_capacity(opts.merges);
    let (mut stats, mut heap) = initial_pairs::<LANES>(&w, lanes, par.as_mut());
    // Pairs too long to merge (`max_token_bytes`): never merged, never pushed again.
    let mut banned: rustc_hash::FxHashSet<u64> = Default::default();

    progress.stage("merging", Some(opts.merges as u64));
    let mut sides = Sides::new(lanes, opts.threads.max(1))?;
    while merges.len() < opts.merges {
        let Some((pair, choice)) = pick(
            &mut heap,
            &mut stats,
            &mut banned,
            &tokens,
            opts,
            par.as_mut(),
        ) else {
            break;
        };
        let (a, b) = ((pair >> 32) as u32, pair as u32);
        let new = tokens.len() as u32;
        let mut bytes = Vec::with_capacity(tokens[a as usize].len() + tokens[b as usize].len());
        bytes.extend_from_slice(&tokens[a as usize]);
        bytes.extend_from_slice(&tokens[b as usize]);
        tokens.push(bytes);
        merges.push((a, b));
        // A merged pair never comes back (merges only make pairs with the new token).
        let st = stats.remove(pair).unwrap_or_default();
        counts.push(st.count);
        rewrite_words::<LANES>(
            &mut w.arena,
            st.words,
            (a, b, new),
            tokens.len(),
            &mut sides,
        );
        gain_new_pairs(&sides, new, &mut stats, &mut heap, par.as_mut());
        lose_old_pairs::<LANES>(&sides, pair, &mut stats, &banned);
        if let Some(ps) = par.as_mut() {
            ps.dev.apply(a, b, new);
            ps.selector.commit(choice);
        }
        drop_stale_entries(&mut heap, &stats, &banned, par.as_mut());
        if merges.len() % 64 == 0 {
            progress.set(merges.len() as u64);
        }
    }
    progress.set(merges.len() as u64);
    progress.finish();
    Ok((
        Merges {
            tokens,
            merges,
            counts,
        },
        par,
    ))
}

/// The initial pair counts (byte pairs, counted in a dense table) with each pair's list of
/// words, and the heaps over them. Two passes, so every word list is allocated once at its
/// exact size.
fn initial_pairs<const LANES: bool>(
    w: &Words,
    lanes: usize,
    mut par: Option<&mut ParityState>,
) -> (Pairs, BinaryHeap<Entry>) {
    let mut dense_count = vec![0u64; 65536];
    let mut dense_len = vec![0u32; 65536];
    let mut dense_lane = vec![0u64; 65536 * lanes];
    let mut last = vec![u32::MAX; 65536];
    for_each_word(w, |o, s| {
        let (c, lane) = word_count::<LANES>(&w.arena, o);
        for p in s.windows(2) {
            let k = (p[0] << 8 | p[1]) as usize;
            dense_count[k] += c;
            if LANES && lane != NO_LANE {
                dense_lane[k * lanes + lane] += c;
            }
            if last[k] != o as u32 {
                last[k] = o as u32;
                dense_len[k] += 1;
            }
        }
    });
    let mut lists: Vec<Vec<u32>> = dense_len
        .iter()
        .map(|&n| Vec::with_capacity(n as usize))
        .collect();
    for_each_word(w, |o, s| {
        for p in s.windows(2) {
            let l = &mut lists[(p[0] << 8 | p[1]) as usize];
            if l.last() != Some(&(o as u32)) {
                l.push(o as u32);
            }
        }
    });
    drop((dense_len, last));
    let mut stats = Pairs::with_lanes(lanes);
    let mut heap = BinaryHeap::new();
    for (k, (count, words)) in dense_count.into_iter().zip(lists).enumerate() {
        if count > 0 {
            let pair = key((k >> 8) as u32, (k & 255) as u32);
            let slot = stats.entry_slot(pair);
            stats.slab[slot] = PairStat { count, words };
            heap.push(Entry { count, pair });
            if let Some(ps) = par.as_deref_mut() {
                for l in 0..lanes {
                    let c = dense_lane[k * lanes + l];
                    stats.lang[slot * lanes + l] = c;
                    if c > 0 {
                        ps.heaps[l].push(Entry { count: c, pair });
                    }
                }
            }
        }
    }
    (stats, heap)
}

/// The pair to merge and who chose it: the most frequent overall, or the most frequent in the
/// lane the parity rule chooses (a lane with no pair left is never chosen again).
fn pick(
    heap: &mut BinaryHeap<Entry>,
    stats: &mut Pairs,
    banned: &mut rustc_hash::FxHashSet<u64>,
    tokens: &[Vec<u8>],
    opts: &MergeOptions,
    par: Option<&mut ParityState>,
) -> Option<(u64, Choice)> {
    let Some(ps) = par else {
        return pop_global(heap, stats, banned, tokens, opts).map(|p| (p, Choice::Global));
    };
    loop {
        let choice = ps.selector.choose(ps.dev.tokens(), &ps.usable);
        match choice {
            Choice::Global => {
                return pop_global(heap, stats, banned, tokens, opts).map(|p| (p, choice))
            }
            Choice::Language(l) => match pop_lane(ps, l, stats, banned, tokens, opts) {
                Some(p) => return Some((p, choice)),
                None => ps.usable[l] = false,
            },
        }
    }
}

/// The neighbour tables of one merge ([`Side`]): `left` and `right` for the calling thread,
/// one more pair per other thread, and the pool the large merges run on.
struct Sides {
    left: Side,
    right: Side,
    extra: Vec<(Side, Side)>,
    threads: usize,
    pool: rayon::ThreadPool,
}

impl Sides {
    fn new(lanes: usize, threads: usize) -> Result<Sides> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| TrainError::Usage(format!("cannot start {threads} threads: {e}")))?;
        Ok(Sides {
            left: Side::with_lanes(lanes),
            right: Side::with_lanes(lanes),
            extra: (1..threads)
                .map(|_| (Side::with_lanes(lanes), Side::with_lanes(lanes)))
                .collect(),
            threads,
            pool,
        })
    }
}

/// Rewrites the words of `list` (the words holding the pair `(a, b)`) with `new`, recording
/// their neighbours of the pair in `sides.left` and `sides.right`. From [`PAR_MIN_WORDS`]
/// words the sorted list is cut into contiguous runs, which own disjoint ranges of the arena,
/// one per thread, and the threads' sides are added up after.
fn rewrite_words<const LANES: bool>(
    arena: &mut [u32],
    mut list: Vec<u32>,
    (a, b, new): (u32, u32, u32),
    n_tokens: usize,
    sides: &mut Sides,
) {
    // Sorted, the words are visited in memory order (the prefetcher hides the latency) and
    // each once.
    list.sort_unstable();
    list.dedup();
    let Sides {
        left,
        right,
        extra,
        threads,
        pool,
    } = sides;
    left.reset(n_tokens);
    right.reset(n_tokens);
    if list.len() < PAR_MIN_WORDS || *threads == 1 {
        merge_words::<LANES>(arena, 0, &list, (a, b, new), left, right);
        return;
    }
    let chunk = list.len().div_ceil(*threads);
    let runs: Vec<&[u32]> = list.chunks(chunk).collect();
    let mut slices = vec![];
    let mut rest: &mut [u32] = arena;
    let mut base = 0usize;
    for k in 0..runs.len() {
        let end = runs.get(k + 1).map_or(base + rest.len(), |r| r[0] as usize);
        let (head, tail) = rest.split_at_mut(end - base);
        slices.push((base, head));
        rest = tail;
        base = end;
    }
    for (l, r) in extra.iter_mut() {
        l.reset(n_tokens);
        r.reset(n_tokens);
    }
    let (first, others) = slices.split_first_mut().expect("at least two runs");
    let (left_ref, right_ref) = (&mut *left, &mut *right);
    pool.scope(|sc| {
        for ((sl, run), (l, r)) in others.iter_mut().zip(&runs[1..]).zip(extra.iter_mut()) {
            sc.spawn(move |_| merge_words::<LANES>(sl.1, sl.0, run, (a, b, new), l, r));
        }
        merge_words::<LANES>(first.1, first.0, runs[0], (a, b, new), left_ref, right_ref);
    });
    for (l, r) in extra.iter().take(runs.len() - 1) {
        left.absorb(l);
        right.absorb(r);
    }
}

/// The pairs the merge made, `(t, new)` and `(new, t)`, gain the counts (and words) of their
/// neighbours `t`. Done before [`lose_old_pairs`], so no count goes through zero on its way.
fn gain_new_pairs(
    sides: &Sides,
    new: u32,
    stats: &mut Pairs,
    heap: &mut BinaryHeap<Entry>,
    mut par: Option<&mut ParityState>,
) {
    let lanes = stats.lanes;
    for (side, is_left) in [(&sides.left, true), (&sides.right, false)] {
        for &t in &side.touched {
            let k = if is_left { key(t, new) } else { key(new, t) };
            let c = side.sum[t as usize];
            let words = &side.words[t as usize];
            let slot = stats.entry_slot(k);
            let st = &mut stats.slab[slot];
            st.count += c;
            if st.words.is_empty() {
                // A copy at the exact size; the side keeps its buffer for the next merge.
                st.words = words.clone();
            } else {
                st.words.extend_from_slice(words);
            }
            heap.push(Entry {
                count: st.count,
                pair: k,
            });
            if let Some(ps) = par.as_deref_mut() {
                let gained = &side.lane[t as usize * lanes..][..lanes];
                let have = &mut stats.lang[slot * lanes..][..lanes];
                for l in 0..lanes {
                    if gained[l] > 0 {
                        have[l] += gained[l];
                        ps.heaps[l].push(Entry {
                            count: have[l],
                            pair: k,
                        });
                    }
                }
            }
        }
    }
}

/// The pairs the merge broke, `(t, a)` and `(b, t)`, lose the counts of their neighbours `t`;
/// a pair whose count reaches zero is removed (a banned one stays, so it is never pushed
/// again).
fn lose_old_pairs<const LANES: bool>(
    sides: &Sides,
    pair: u64,
    stats: &mut Pairs,
    banned: &rustc_hash::FxHashSet<u64>,
) {
    let lanes = stats.lanes;
    let (a, b) = ((pair >> 32) as u32, pair as u32);
    for (side, is_left) in [(&sides.left, true), (&sides.right, false)] {
        for &t in &side.touched {
            let k = if is_left { key(t, a) } else { key(b, t) };
            if k == pair {
                continue;
            }
            if let Some(slot) = stats.slot(k) {
                let c = side.sum[t as usize];
                let st = &mut stats.slab[slot];
                debug_assert!(st.count >= c, "pair count below zero");
                st.count = st.count.saturating_sub(c);
                let gone = st.count == 0;
                if LANES {
                    let lost = &side.lane[t as usize * lanes..][..lanes];
                    let have = &mut stats.lang[slot * lanes..][..lanes];
                    for l in 0..lanes {
                        debug_assert!(have[l] >= lost[l], "lane count below zero");
                        have[l] = have[l].saturating_sub(lost[l]);
                    }
                }
                if gone && !banned.contains(&k) {
                    stats.remove(k);
                }
            }
        }
    }
}

/// Stale entries pile up in the heaps (a pair is pushed again at each change of its count):
/// when a heap holds more than twice the live pairs, it is rebuilt from them.
fn drop_stale_entries(
    heap: &mut BinaryHeap<Entry>,
    stats: &Pairs,
    banned: &rustc_hash::FxHashSet<u64>,
    par: Option<&mut ParityState>,
) {
    let lanes = stats.lanes;
    let stale = |h: &BinaryHeap<Entry>| h.len() > 2 * stats.len() + (1 << 16);
    if stale(heap) {
        *heap = live_heap(stats, banned, |i| stats.slab[i].count);
    }
    if let Some(ps) = par {
        for (l, h) in ps.heaps.iter_mut().enumerate() {
            if stale(h) {
                *h = live_heap(stats, banned, |i| stats.lang[i * lanes + l]);
            }
        }
    }
}

/// Calls `f(offset, symbols)` for every word.
fn for_each_word(w: &Words, mut f: impl FnMut(usize, &[u32])) {
    let mut o = 0;
    while o < w.arena.len() {
        let n = w.arena[o] as usize;
        f(o, &w.arena[o + HDR..o + HDR + n]);
        o += HDR + n;
    }
}

/// Hints the CPU to load `v[i]` into the cache.
#[inline(always)]
fn prefetch(v: &[u32], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < v.len() {
        // SAFETY: prefetching is only a hint and never faults; the address is in bounds.
        #[allow(unused_unsafe)]
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(v.as_ptr().add(i) as *const i8);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

/// The neighbours of the merged pair on one side, for one merge: for each token `t`, the total
/// count of the words where `t` stands next to an occurrence, and those words (and in parity
/// mode the count per lane). Dense arrays by token id, so an occurrence costs no hashing.
#[derive(Default)]
struct Side {
    sum: Vec<u64>,
    words: Vec<Vec<u32>>,
    touched: Vec<u32>,
    /// Parity mode: `lanes` counts per token id.
    lanes: usize,
    lane: Vec<u64>,
}

impl Side {
    fn with_lanes(lanes: usize) -> Side {
        Side {
            lanes,
            ..Default::default()
        }
    }

    fn reset(&mut self, n_tokens: usize) {
        for &t in &self.touched {
            self.sum[t as usize] = 0;
            self.words[t as usize].clear();
            if self.lanes > 0 {
                self.lane[t as usize * self.lanes..][..self.lanes].fill(0);
            }
        }
        self.touched.clear();
        if self.sum.len() < n_tokens {
            self.sum.resize(n_tokens, 0);
            self.words.resize_with(n_tokens, Vec::new);
            self.lane.resize(n_tokens * self.lanes, 0);
        }
    }

    /// Adds what another thread saw (its words come after ours in the list order).
    fn absorb(&mut self, o: &Side) {
        for &t in &o.touched {
            let ti = t as usize;
            if self.sum[ti] == 0 {
                self.touched.push(t);
            }
            self.sum[ti] += o.sum[ti];
            self.words[ti].extend_from_slice(&o.words[ti]);
            for l in 0..self.lanes {
                self.lane[ti * self.lanes + l] += o.lane[ti * self.lanes + l];
            }
        }
    }

    #[inline]
    fn add<const LANES: bool>(&mut self, t: u32, c: u64, wid: u32, lane: usize) {
        let ti = t as usize;
        if self.sum[ti] == 0 {
            self.touched.push(t);
        }
        self.sum[ti] += c;
        if LANES && lane != NO_LANE {
            self.lane[ti * self.lanes + lane] += c;
        }
        let l = &mut self.words[ti];
        if l.last() != Some(&wid) {
            l.push(wid);
        }
    }
}

/// Merges below this many words run on one thread.
const PAR_MIN_WORDS: usize = 8192;

/// Rewrites the words `list` (offsets into the whole arena; `arena` is the part starting at
/// `base` that holds them all).
fn merge_words<const LANES: bool>(
    arena: &mut [u32],
    base: usize,
    list: &[u32],
    (a, b, new): (u32, u32, u32),
    left: &mut Side,
    right: &mut Side,
) {
    for (i, &wi) in list.iter().enumerate() {
        // The words are far apart in memory: ask for the next ones' symbols early.
        if let Some(&ahead) = list.get(i + 8) {
            prefetch(arena, ahead as usize - base);
        }
        merge_word::<LANES>(arena, base, wi, a, b, new, left, right);
    }
}

/// Rewrites word `wi`, replacing each `(a, b)` by `new` left to right, and records the
/// neighbours: `(x, a)` becomes `(x, new)` on the left, `(b, y)` becomes `(new, y)` on the right.
/// In `a b a b` the first occurrence's right neighbour `a` and the second's left neighbour
/// `new` cancel out: `(new, a)` is added once and removed once, as it should be.
#[allow(clippy::too_many_arguments)]
#[inline]
fn merge_word<const LANES: bool>(
    arena: &mut [u32],
    base: usize,
    wi: u32,
    a: u32,
    b: u32,
    new: u32,
    left: &mut Side,
    right: &mut Side,
) {
    let wu = wi as usize - base;
    let n = arena[wu] as usize;
    let (c, lane) = word_count::<LANES>(arena, wu);
    let s = &mut arena[wu + HDR..wu + HDR + n];
    // One comparison per position (rarely true, so well predicted), and nothing is written
    // before the first occurrence.
    let is_pair = |x: u32, y: u32| (x as u64 | (y as u64) << 32) == (a as u64 | (b as u64) << 32);
    let Some(first) = s.windows(2).position(|p| is_pair(p[0], p[1])) else {
        return; // a stale entry of the list: the word no longer holds the pair
    };
    let mut out = first;
    let mut i = first;
    while i < n {
        if i + 1 < n && is_pair(s[i], s[i + 1]) {
            if out > 0 {
                left.add::<LANES>(s[out - 1], c, wi, lane);
            }
            if i + 2 < n {
                right.add::<LANES>(s[i + 2], c, wi, lane);
            }
            s[out] = new;
            out += 1;
            i += 2;
        } else {
            s[out] = s[i];
            out += 1;
            i += 1;
        }
    }
    arena[wu] = out as u32;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoProgress;

    fn run(pieces: &[(&str, u64)], merges: usize) -> Merges {
        let mut b = Builder::new();
        for (p, c) in pieces {
            b.add(p.as_bytes(), *c);
        }
        b.train(
            &MergeOptions {
                merges,
                min_frequency: 0,
                max_token_bytes: None,
                threads: 2,
            },
            &NoProgress,
        )
        .unwrap()
    }

    fn names(m: &Merges) -> Vec<String> {
        m.tokens[256..]
            .iter()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .collect()
    }

    #[test]
    fn hand_computed_merges() {
        // The classic example (Sennrich et al.): low×5 lower×2 newest×6 widest×3.
        // Pair counts: es 9, st 9, lo 7, ow 7, ... ; ties go to the smaller pair of ids:
        // (e,s)=(101,115) < (s,t)=(115,116), so `es` first; then `est` (9), then `lo` (7)
        // before `ow` (7) since (l,o) < (o,w); then `low` (7).
        let m = run(&[("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)], 4);
        assert_eq!(names(&m), ["es", "est", "lo", "low"]);
        assert_eq!(m.counts, [9, 9, 7, 7]);
        assert_eq!(m.merges[1], (256, b't' as u32));
    }

    #[test]
    fn overlapping_pairs_merge_left_to_right() {
        // "aaaa" ×1: (a,a) occurs 3 times → aa; the word is [aa, aa]; then (aa,aa) ×1.
        let m = run(&[("aaaa", 1)], 5);
        assert_eq!(names(&m), ["aa", "aaaa"]);
        assert_eq!(m.counts, [3, 1]);
        // "aaa" ×2: (a,a) → [aa, a], then (aa, a) ×2.
        let m = run(&[("aaa", 2)], 5);
        assert_eq!(names(&m), ["aa", "aaa"]);
        assert_eq!(m.counts, [4, 2]);
    }

    #[test]
    fn counts_stay_exact_across_neighbouring_merges() {
        // Check incremental counts against a full recount after every merge.
        let pieces = [
            ("abababab", 3u64),
            ("abcabc", 2),
            ("bcbcbc", 5),
            ("aabbaabb", 1),
            ("cabcab", 4),
        ];
        for n in 1..=12 {
            let m = run(&pieces, n);
            // Recount from scratch by applying the merges to every word.
            let mut words: Vec<(Vec<u32>, u64)> = pieces
                .iter()
                .map(|(p, c)| (p.bytes().map(u32::from).collect(), *c))
                .collect();
            for (k, &(a, b)) in m.merges.iter().enumerate() {
                let mut best: FxHashMap<(u32, u32), u64> = FxHashMap::default();
                for (s, c) in &words {
                    for p in s.windows(2) {
                        *best.entry((p[0], p[1])).or_default() += c;
                    }
                }
                let top = best.values().max().copied().unwrap();
                assert_eq!(best[&(a, b)], top, "merge {k} is not a most frequent pair");
                assert_eq!(m.counts[k], top);
                let new = 256 + k as u32;
                for (s, _) in &mut words {
                    *s = replace_pair(s, a, b, new);
                }
            }
        }
    }

    #[test]
    fn min_frequency_and_max_token_bytes() {
        let mut b = Builder::new();
        b.add(b"abcd", 3);
        b.add(b"xy", 1);
        let m = b
            .train(
                &MergeOptions {
                    merges: 100,
                    min_frequency: 2,
                    max_token_bytes: Some(3),
                    threads: 1,
                },
                &NoProgress,
            )
            .unwrap();
        assert!(m.tokens[256..].iter().all(|t| t.len() <= 3));
        assert!(!m.tokens.contains(&b"xy".to_vec()));
        assert!(m.counts.iter().all(|&c| c >= 2));
        assert_eq!(m.merges.len(), 2, "{:?}", names(&m));
    }

    /// Words of a naive parity-aware BPE: `(symbols, count, lane)`.
    type NaiveWords = Vec<(Vec<u32>, u64, Option<usize>)>;

    fn naive_apply(words: &mut NaiveWords, a: u32, b: u32, new: u32) {
        for (s, _, _) in words.iter_mut() {
            *s = replace_pair(s, a, b, new);
        }
    }

    /// The most frequent pair of `lane` (`None`: all words), ties to the smaller pair.
    fn naive_best(words: &NaiveWords, lane: Option<usize>) -> Option<((u32, u32), u64)> {
        let mut c: FxHashMap<(u32, u32), u64> = FxHashMap::default();
        for (s, n, l) in words {
            if lane.is_none() || *l == lane {
                for p in s.windows(2) {
                    *c.entry((p[0], p[1])).or_default() += n;
                }
            }
        }
        c.into_iter()
            .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
    }

    /// Parity-aware BPE by full recount at every step: the reference for the incremental loop.
    fn naive_parity(
        train: &[(&str, u64, Option<usize>)],
        dev: &[(&str, usize)],
        lanes: usize,
        opts: crate::parity::ParityOptions,
        merges: usize,
    ) -> (Vec<(u32, u32)>, Vec<u64>) {
        let mut words: NaiveWords = train
            .iter()
            .map(|(p, c, l)| (p.bytes().map(u32::from).collect(), *c, *l))
            .collect();
        let mut devw: NaiveWords = dev
            .iter()
            .map(|(p, l)| (p.bytes().map(u32::from).collect(), 1, Some(*l)))
            .collect();
        let mut sel = Selector::new(lanes, opts);
        let mut out = vec![];
        let dev_tokens = |d: &NaiveWords| {
            let mut t = vec![0u64; lanes];
            for (s, c, l) in d {
                t[l.unwrap()] += s.len() as u64 * c;
            }
            t
        };
        let mut usable = vec![true; lanes];
        while out.len() < merges {
            let toks = dev_tokens(&devw);
            let choice = sel.choose(&toks, &usable);
            let best = match choice {
                Choice::Global => naive_best(&words, None),
                Choice::Language(l) => naive_best(&words, Some(l)),
            };
            let Some(((a, b), _)) = best else {
                match choice {
                    Choice::Global => break,
                    Choice::Language(l) => {
                        usable[l] = false;
                        continue;
                    }
                }
            };
            let new = 256 + out.len() as u32;
            naive_apply(&mut words, a, b, new);
            naive_apply(&mut devw, a, b, new);
            sel.commit(choice);
            out.push((a, b));
        }
        (out, dev_tokens(&devw))
    }

    fn fast_parity(
        train: &[(&str, u64, Option<usize>)],
        dev: &[(&str, usize)],
        lanes: usize,
        opts: crate::parity::ParityOptions,
        merges: usize,
        threads: usize,
    ) -> (Merges, ParityStats) {
        let mut b = Builder::with_lanes(lanes, 0, 0).unwrap();
        for (p, c, l) in train {
            b.add_in(p.as_bytes(), *l, *c);
        }
        let mut d = DevSet::new(lanes);
        for (p, l) in dev {
            d.add(*l, p.as_bytes(), 1);
        }
        b.train_parity(
            &MergeOptions {
                merges,
                min_frequency: 0,
                max_token_bytes: None,
                threads,
            },
            d,
            Selector::new(lanes, opts),
            &NoProgress,
        )
        .unwrap()
    }

    #[test]
    fn parity_loop_matches_a_full_recount_at_every_step() {
        use crate::parity::{ParityOptions, Window};
        // Lane 0 is frequent and cheap on dev, lane 1 rare and long on dev, the last words
        // belong to no lane (code, say): only global merges serve them.
        let train: Vec<(&str, u64, Option<usize>)> = vec![
            ("the", 50, Some(0)),
            ("then", 20, Some(0)),
            (" there", 30, Some(0)),
            ("abababab", 3, Some(0)),
            ("한국어", 4, Some(1)),
            ("한국", 6, Some(1)),
            (" 어머니", 2, Some(1)),
            ("bcbcbc", 5, Some(1)),
            ("fn main", 40, None),
            ("main()", 9, None),
        ];
        let dev: Vec<(&str, usize)> = vec![
            ("the", 0),
            (" there", 0),
            ("한국어", 1),
            (" 어머니", 1),
            ("한국", 1),
        ];
        let variants = [
            ParityOptions::classical(),
            ParityOptions::parity(),
            ParityOptions::hybrid(3),
            ParityOptions::parity().window(Window {
                size: 4,
                max_per_language: 2,
            }),
            ParityOptions::hybrid(2).window(Window {
                size: 3,
                max_per_language: 1,
            }),
        ];
        for opts in variants {
            for n in [1, 5, 12, 40] {
                let (want, want_dev) = naive_parity(&train, &dev, 2, opts, n);
                for threads in [1, 2] {
                    let (m, st) = fast_parity(&train, &dev, 2, opts, n, threads);
                    assert_eq!(m.merges, want, "{opts:?}, {n} merges");
                    assert_eq!(st.dev_tokens_after, want_dev, "{opts:?}, {n} merges");
                    let taken: u64 = st.merges_taken.iter().sum();
                    assert_eq!(taken + st.global_merges, m.merges.len() as u64);
                }
            }
        }
        // Parity-aware training favours lane 1 (longer on dev) where classical favours lane 0.
        let (_, classical) = fast_parity(&train, &dev, 2, ParityOptions::classical(), 12, 1);
        let (_, parity) = fast_parity(&train, &dev, 2, ParityOptions::parity(), 12, 1);
        let max = |v: &[u64]| *v.iter().max().unwrap();
        assert!(max(&parity.dev_tokens_after) < max(&classical.dev_tokens_after));
        assert!(parity.merges_taken[1] > parity.merges_taken[0]);
    }

    #[test]
    fn classical_merges_are_the_same_from_a_parity_builder() {
        let pieces = [
            ("abababab", 3u64),
            ("abcabc", 2),
            ("bcbcbc", 5),
            ("cabcab", 4),
        ];
        let want = run(&pieces, 8);
        let mut b = Builder::with_lanes(2, 0, 0).unwrap();
        for (i, (p, c)) in pieces.iter().enumerate() {
            b.add_in(p.as_bytes(), Some(i % 2), *c);
        }
        let got = b
            .train(
                &MergeOptions {
                    merges: 8,
                    min_frequency: 0,
                    max_token_bytes: None,
                    threads: 1,
                },
                &NoProgress,
            )
            .unwrap();
        assert_eq!(got, want);
    }
}
