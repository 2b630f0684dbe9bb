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
    /// Tokens never made, whatever their count: the texts of the special tokens, so that a
    /// special token's text has one id in every format (Hugging Face gives an added token
    /// the id of an equal vocabulary entry; tiktoken gives it its own).
    pub forbidden: Vec<Vec<u8>>,
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
        if refused(pair, tokens, opts) {
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
        if refused(pair, tokens, opts) {
            stats.slab[slot].words = vec![];
            banned.insert(pair);
            continue;
        }
        return Some(pair);
    }
}

/// Whether the token `pair` would make is one training must not make: longer than
/// `max_token_bytes`, or one of the `forbidden` texts.
fn refused(pair: u64, tokens: &[Vec<u8>], opts: &MergeOptions) -> bool {
    let (a, b) = (
        &tokens[(pair >> 32) as usize],
        &tokens[pair as u32 as usize],
    );
    let len = a.len() + b.len();
    opts.max_token_bytes.is_some_and(|m| len > m)
        || opts
            .forbidden
            .iter()
            .any(|f| f.len() == len && f.starts_with(a) && f.ends_with(b))
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
    let (mut stats, mut heap) = initial_pairs::<LANES>(&w, lanes, par.as_mut());
    // Room for the merges asked for, but no more than the data can give at first (a merge
    // needs a pair; the vectors grow if merges make more pairs than there were).
    let room = opts.merges.min(heap.len());
    let mut merges = Vec::with_capacity(room);
    let mut counts = Vec::with_capacity(room);
    // Pairs refused (too long, or forbidden): never merged, never pushed again.
    let mut banned: rustc_hash::FxHashSet<u64> = Default::default();

    progress.stage("merging", Some(opts.merges as u64));
    let mut sides = Sides::new(lanes, fairtok_core::threads_cap(opts.threads))?;
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
            if progress.cancelled() {
                return Err(TrainError::Cancelled);
            }
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
            dense_count[k] = dense_count[k].saturating_add(c);
            if LANES && lane != NO_LANE {
                let x = &mut dense_lane[k * lanes + lane];
                *x = x.saturating_add(c);
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
            st.count = st.count.saturating_add(c);
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
                        have[l] = have[l].saturating_add(gained[l]);
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

mod dev;
mod rewrite;
pub use dev::DevSet;
use rewrite::{rewrite_words, Sides};

#[cfg(test)]
mod tests;
