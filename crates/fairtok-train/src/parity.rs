//! Which language the next merge serves: the selection rule of parity-aware BPE
//! (Foroutan et al., 2025, "Parity-aware Byte Pair Encoding").
//!
//! Classical BPE merges the most frequent pair of all the training text pooled, so the
//! language with the most text gets the most merges. Parity-aware BPE keeps a **parallel dev
//! set** (the same sentences in every language, FLORES-200 dev for instance) and, before each
//! merge, looks at how many tokens each language's dev text takes with the merges made so far.
//! The language whose dev text is **longest in tokens** is the worst served, so the merge is
//! that language's most frequent pair (counted in that language's training text only). The
//! merge is then applied to the words of every language, as in classical BPE: only the choice
//! of the pair changes.
//!
//! Because the dev lines are translations of each other, raw token counts are comparable:
//! the longest language is the one with the highest premium `tokens / pivot tokens` whatever
//! the pivot, so no pivot is needed to choose.
//!
//! This module is only the rule. It knows nothing of words, pairs or heaps: its input is the
//! current dev token count of each language (and which languages still have a pair to
//! merge), its state the merges chosen so far; its output is a [`Choice`]. The merge loop of
//! [`crate::merge`] uses it, and so can any other loop (continuing BPE on top of an existing
//! vocabulary, for instance).
//!
//! # Variants
//!
//! * **Classical** ([`ParityOptions::classical`]): every merge is [`Choice::Global`].
//! * **Parity-aware** ([`ParityOptions::parity`]): every merge goes to the longest language.
//! * **Hybrid** ([`ParityOptions::hybrid`]): the first `K` merges are global, the rest
//!   parity-aware (the paper's `--global-merges`). Frequent, shared pieces (spaces, digits,
//!   punctuation, common words) come first, then the merges go where the premium is.
//! * **Moving window** ([`ParityOptions::window`], combinable with hybrid): a language may take
//!   at most [`Window::max_per_language`] of the last [`Window::size`] language-chosen merges
//!   (global merges do not enter the window). When the longest language has reached its cap,
//!   the next longest that has not is chosen. If every language that can still merge has
//!   reached its cap (possible only when `max_per_language × languages ≤ size`), the cap is
//!   lifted for that step. [`Window::with_share`] gives the paper's default cap,
//!   `ceil(alpha × size / languages)` with `alpha = 2`: no language takes more than twice its
//!   even share of any window.
//!
//! # Ties and exhaustion
//!
//! Equal dev token counts go to the language given first (the smaller index), so the choice
//! is deterministic. A language that has no pair left to merge (the caller says so through
//! `usable`) is skipped; when none is usable the step falls back to [`Choice::Global`], so
//! languages without a dev set (code, say) can still fill the vocabulary.
//!
//! ```
//! use fairtok_train::parity::{Choice, ParityOptions, Selector};
//! let mut s = Selector::new(2, ParityOptions::hybrid(1));
//! assert_eq!(s.choose(&[900, 1000], &[true, true]), Choice::Global); // merge 0: global
//! s.commit(Choice::Global);
//! assert_eq!(s.choose(&[900, 1000], &[true, true]), Choice::Language(1)); // the longest
//! s.commit(Choice::Language(1));
//! assert_eq!(s.taken(), &[0, 1]);
//! ```

use std::collections::VecDeque;

/// Which pair a merge step takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    /// The most frequent pair of all the training text pooled (classical BPE).
    Global,
    /// The most frequent pair of this language's training text (an index into the languages
    /// the [`Selector`] was made for).
    Language(usize),
}

/// The moving-window cap: within the last `size` language-chosen merges, one language may
/// take at most `max_per_language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The number of most recent language-chosen merges looked at (at least 1).
    pub size: usize,
    /// The most merges one language may have among them (at least 1).
    pub max_per_language: usize,
}

impl Window {
    /// The cap `ceil(alpha × size / languages)` (at least 1): with `alpha = 2.0` (the paper's
    /// default), no language takes more than twice its even share of a window.
    pub fn with_share(size: usize, languages: usize, alpha: f64) -> Window {
        let size = size.max(1);
        let even = size as f64 / languages.max(1) as f64;
        let max = (alpha * even).ceil();
        Window {
            size,
            max_per_language: if max.is_finite() && max >= 1.0 {
                (max as usize).min(size)
            } else {
                1
            },
        }
    }
}

/// How merges are selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParityOptions {
    /// The first `global_merges` steps are [`Choice::Global`] (`usize::MAX`: all of them, i.e.
    /// classical BPE; `0`: parity-aware from the first merge).
    pub global_merges: usize,
    /// The moving-window cap, if any.
    pub window: Option<Window>,
}

impl Default for ParityOptions {
    /// Parity-aware from the first merge, no window.
    fn default() -> Self {
        ParityOptions::parity()
    }
}

impl ParityOptions {
    /// Classical BPE: every merge global.
    pub fn classical() -> ParityOptions {
        ParityOptions {
            global_merges: usize::MAX,
            window: None,
        }
    }

    /// Parity-aware BPE: every merge goes to the language whose dev text is longest.
    pub fn parity() -> ParityOptions {
        ParityOptions {
            global_merges: 0,
            window: None,
        }
    }

    /// Hybrid: the first `global_merges` merges global, then parity-aware.
    pub fn hybrid(global_merges: usize) -> ParityOptions {
        ParityOptions {
            global_merges,
            window: None,
        }
    }

    /// The same, with a moving-window cap on the parity-aware merges.
    pub fn window(self, window: Window) -> ParityOptions {
        ParityOptions {
            window: Some(window),
            ..self
        }
    }

    /// Whether every merge is global (no dev set is needed).
    pub fn is_classical(&self) -> bool {
        self.global_merges == usize::MAX
    }
}

/// The selection state: options, the step number and the recent choices.
#[derive(Debug, Clone)]
pub struct Selector {
    opts: ParityOptions,
    languages: usize,
    step: usize,
    /// The languages of the last `window.size` language-chosen merges, oldest first.
    recent: VecDeque<usize>,
    /// How many times each language is in `recent`.
    in_window: Vec<usize>,
    /// Merges taken by each language so far.
    taken: Vec<u64>,
    global: u64,
}

impl Selector {
    /// A selector for `languages` languages (indices `0..languages`, in the order the caller
    /// keeps its dev counts in).
    pub fn new(languages: usize, opts: ParityOptions) -> Selector {
        Selector {
            opts,
            languages,
            step: 0,
            recent: VecDeque::new(),
            in_window: vec![0; languages],
            taken: vec![0; languages],
            global: 0,
        }
    }

    /// The options.
    pub fn options(&self) -> &ParityOptions {
        &self.opts
    }

    /// The number of languages.
    pub fn languages(&self) -> usize {
        self.languages
    }

    /// The number of merges committed so far (the next merge's step number).
    pub fn step(&self) -> usize {
        self.step
    }

    /// Merges taken by each language so far.
    pub fn taken(&self) -> &[u64] {
        &self.taken
    }

    /// Global merges so far.
    pub fn global(&self) -> u64 {
        self.global
    }

    /// The choice for the next merge, given each language's current dev token count and
    /// whether it still has a pair to merge. Does not change the state: call
    /// [`commit`](Self::commit) with the choice actually made. If the caller then finds that
    /// the chosen language has no pair after all, it marks it unusable and asks again.
    ///
    /// # Panics
    ///
    /// If `dev_tokens` or `usable` does not have one entry per language.
    pub fn choose(&self, dev_tokens: &[u64], usable: &[bool]) -> Choice {
        assert_eq!(
            dev_tokens.len(),
            self.languages,
            "one dev count per language"
        );
        assert_eq!(usable.len(), self.languages, "one usable flag per language");
        if self.step < self.opts.global_merges {
            return Choice::Global;
        }
        let longest = |capped: bool| {
            (0..self.languages)
                .filter(|&l| usable[l])
                .filter(|&l| {
                    !capped
                        || self
                            .opts
                            .window
                            .is_none_or(|w| self.in_window[l] < w.max_per_language)
                })
                // The longest; on a tie the smaller index (max_by keeps the last maximum, so
                // compare the index reversed).
                .max_by(|&a, &b| dev_tokens[a].cmp(&dev_tokens[b]).then(b.cmp(&a)))
        };
        match longest(true).or_else(|| longest(false)) {
            Some(l) => Choice::Language(l),
            None => Choice::Global,
        }
    }

    /// Records the choice made for this step and moves to the next.
    ///
    /// # Panics
    ///
    /// If the language index is out of range.
    pub fn commit(&mut self, choice: Choice) {
        self.step += 1;
        match choice {
            Choice::Global => self.global += 1,
            Choice::Language(l) => {
                assert!(l < self.languages, "language {l} out of range");
                self.taken[l] += 1;
                if let Some(w) = self.opts.window {
                    self.recent.push_back(l);
                    self.in_window[l] += 1;
                    while self.recent.len() > w.size.max(1) {
                        let old = self.recent.pop_front().expect("non-empty");
                        self.in_window[old] -= 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [bool; 3] = [true; 3];

    #[test]
    fn classical_is_always_global() {
        let mut s = Selector::new(3, ParityOptions::classical());
        for _ in 0..10 {
            assert_eq!(s.choose(&[1, 500, 3], &ALL), Choice::Global);
            s.commit(Choice::Global);
        }
        assert_eq!(s.global(), 10);
        assert_eq!(s.taken(), &[0, 0, 0]);
        assert!(s.options().is_classical());
    }

    #[test]
    fn parity_takes_the_longest_and_ties_go_to_the_first() {
        let s = Selector::new(3, ParityOptions::parity());
        assert_eq!(s.choose(&[10, 30, 20], &ALL), Choice::Language(1));
        assert_eq!(s.choose(&[30, 30, 20], &ALL), Choice::Language(0));
        assert_eq!(s.choose(&[20, 30, 30], &ALL), Choice::Language(1));
    }

    #[test]
    fn exhausted_languages_are_skipped_then_global() {
        let s = Selector::new(3, ParityOptions::parity());
        assert_eq!(
            s.choose(&[10, 30, 20], &[true, false, true]),
            Choice::Language(2)
        );
        assert_eq!(s.choose(&[10, 30, 20], &[false; 3]), Choice::Global);
    }

    #[test]
    fn hybrid_is_global_for_the_first_k_steps() {
        let mut s = Selector::new(2, ParityOptions::hybrid(3));
        let mut got = vec![];
        for _ in 0..5 {
            let c = s.choose(&[5, 7], &[true, true]);
            got.push(c);
            s.commit(c);
        }
        use Choice::*;
        assert_eq!(got, [Global, Global, Global, Language(1), Language(1)]);
        assert_eq!((s.global(), s.taken()), (3, &[0u64, 2][..]));
        assert_eq!(s.step(), 5);
    }

    /// A language that stays longest takes at most `max_per_language` of any `size`
    /// consecutive language-chosen merges; the others fill the rest, longest first (2 is
    /// capped too after two merges, so 1 gets the fifth).
    #[test]
    fn window_caps_one_language() {
        let w = Window {
            size: 4,
            max_per_language: 2,
        };
        let mut s = Selector::new(3, ParityOptions::parity().window(w));
        let dev = [100, 50, 70]; // language 0 stays longest throughout
        let mut got = vec![];
        for _ in 0..12 {
            let c = s.choose(&dev, &ALL);
            s.commit(c);
            let Choice::Language(l) = c else {
                panic!("global")
            };
            got.push(l);
        }
        assert_eq!(got, [0, 0, 2, 2, 1, 0, 0, 2, 2, 1, 0, 0]);
        for win in got.windows(4) {
            assert!(win.iter().filter(|&&l| l == 0).count() <= 2, "{win:?}");
        }
    }

    #[test]
    fn window_is_lifted_when_every_usable_language_is_capped() {
        let w = Window {
            size: 4,
            max_per_language: 1,
        };
        let mut s = Selector::new(2, ParityOptions::parity().window(w));
        s.commit(Choice::Language(0));
        s.commit(Choice::Language(1));
        // Both have reached the cap of 1 in the window: the longest is chosen anyway.
        assert_eq!(s.choose(&[3, 9], &[true, true]), Choice::Language(1));
        // Global merges do not enter the window.
        let mut s = Selector::new(2, ParityOptions::hybrid(2).window(w));
        s.commit(Choice::Global);
        s.commit(Choice::Global);
        assert_eq!(s.choose(&[3, 9], &[true, true]), Choice::Language(1));
        s.commit(Choice::Language(1));
        assert_eq!(s.choose(&[3, 9], &[true, true]), Choice::Language(0));
    }

    #[test]
    fn window_with_share_is_the_papers_cap() {
        // alpha = 2, 100 merges, 4 languages: twice the even share of 25.
        assert_eq!(Window::with_share(100, 4, 2.0).max_per_language, 50);
        assert_eq!(Window::with_share(10, 3, 2.0).max_per_language, 7);
        assert_eq!(Window::with_share(10, 1, 2.0).max_per_language, 10);
        assert_eq!(Window::with_share(10, 30, 0.0).max_per_language, 1);
    }

    #[test]
    #[should_panic(expected = "one dev count per language")]
    fn wrong_length_panics() {
        Selector::new(2, ParityOptions::parity()).choose(&[1], &[true, true]);
    }
}
