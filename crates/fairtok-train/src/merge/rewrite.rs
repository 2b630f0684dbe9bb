//! Rewriting the words that hold a merged pair: each occurrence becomes the new token, and
//! the neighbours of each occurrence are recorded per side ([`Side`]), so the pair counts
//! change by exactly what the words say. A merge in many words is cut into contiguous runs of
//! the arena, one per thread.

use super::*;

/// The neighbour tables of one merge ([`Side`]): `left` and `right` for the calling thread,
/// one more pair per other thread, and the pool the large merges run on.
pub(super) struct Sides {
    pub(super) left: Side,
    pub(super) right: Side,
    extra: Vec<(Side, Side)>,
    threads: usize,
    /// `None` where the system refused the threads: the rewrites then run on the calling
    /// thread alone.
    pool: Option<rayon::ThreadPool>,
}

impl Sides {
    pub(super) fn new(lanes: usize, threads: usize) -> Result<Sides> {
        let pool = match threads {
            1 => None,
            _ => rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .ok(),
        };
        let threads = if pool.is_some() { threads } else { 1 };
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
pub(super) fn rewrite_words<const LANES: bool>(
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
    // No pool: one thread, or the system refused the threads (`Sides::new`).
    let Some(pool) = pool.as_ref().filter(|_| list.len() >= PAR_MIN_WORDS) else {
        merge_words::<LANES>(arena, 0, &list, (a, b, new), left, right);
        return;
    };
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
pub(super) struct Side {
    pub(super) sum: Vec<u64>,
    pub(super) words: Vec<Vec<u32>>,
    pub(super) touched: Vec<u32>,
    /// Parity mode: `lanes` counts per token id.
    lanes: usize,
    pub(super) lane: Vec<u64>,
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
            self.sum[ti] = self.sum[ti].saturating_add(o.sum[ti]);
            self.words[ti].extend_from_slice(&o.words[ti]);
            for l in 0..self.lanes {
                let x = &mut self.lane[ti * self.lanes + l];
                *x = x.saturating_add(o.lane[ti * self.lanes + l]);
            }
        }
    }

    #[inline]
    fn add<const LANES: bool>(&mut self, t: u32, c: u64, wid: u32, lane: usize) {
        let ti = t as usize;
        if self.sum[ti] == 0 {
            self.touched.push(t);
        }
        self.sum[ti] = self.sum[ti].saturating_add(c);
        if LANES && lane != NO_LANE {
            let x = &mut self.lane[ti * self.lanes + lane];
            *x = x.saturating_add(c);
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
