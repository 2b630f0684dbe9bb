//! The parallel dev text of parity-aware training, merged along with the training words.

use rustc_hash::FxHashMap;

use super::*;

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
