//! Copies of a model lent to threads and kept between calls.
//!
//! Threads that encode with one shared model run 10-15% slower each than threads with a copy
//! each on the 2-core machine of `BENCHMARKS.md` (the tables are read-only; it is the cost of
//! two cores reading the same memory there), so a thread with megabytes to encode works on a
//! copy. Making a copy is not free: the rank table is copied (a few milliseconds), and the
//! tables that are built at first use (the backtracking encoder's, the Korean syllables')
//! are built again on the copy, 10-13 ms for the first 256 KB of Korean in o200k_base. Made
//! anew at every call, that cost one of two threads an eighth of an 85 ms batch.
//!
//! So copies are lent, not made: [`Spares::lend`] hands out an idle copy (or makes one), and
//! the [`Spare`] it returns gives the copy back when it is dropped. At most
//! `available_parallelism` copies stay idle per model; more exist only while more threads
//! than that hold one, and are dropped when they are given back. A copy holds what its model
//! holds: the rank table, the lazily built tables once used, and its own memos of pieces
//! (`piece_cache.rs`, at most 4 MiB). Which copy a thread gets changes no result: every copy
//! encodes exactly as the model it was made from.

use std::ops::Deref;
use std::sync::Mutex;

/// The idle copies of one model.
pub(crate) struct Spares<T> {
    idle: Mutex<Vec<T>>,
}

impl<T> Default for Spares<T> {
    fn default() -> Self {
        Spares {
            idle: Mutex::new(Vec::new()),
        }
    }
}

impl<T> std::fmt::Debug for Spares<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().map_or(0, |v| v.len());
        f.debug_struct("Spares").field("idle", &idle).finish()
    }
}

impl<T> Spares<T> {
    /// An idle copy, else one that `make` makes; `None` if there is none and `make` cannot.
    pub(crate) fn lend(&self, make: impl FnOnce() -> Option<T>) -> Option<Spare<'_, T>> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let copy = idle.or_else(make)?;
        Some(Spare {
            home: self,
            copy: Some(copy),
        })
    }

    /// Keeps `copy` for the next [`Spares::lend`] unless as many as the machine has cores are
    /// idle already.
    fn give_back(&self, copy: T) {
        let keep = crate::threads_cap(usize::MAX);
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < keep {
                v.push(copy);
            }
        }
    }
}

/// A copy of a tokenizer lent by [`Tokenizer::lend_copy`](crate::Tokenizer::lend_copy); it
/// goes back to the tokenizer's idle copies when dropped.
pub struct Spare<'a, T> {
    home: &'a Spares<T>,
    /// Always `Some` until dropped.
    copy: Option<T>,
}

impl<T> Deref for Spare<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.copy
            .as_ref()
            .expect("a spare holds its copy until dropped")
    }
}

impl<T> Drop for Spare<'_, T> {
    fn drop(&mut self) {
        if let Some(c) = self.copy.take() {
            self.home.give_back(c);
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Spare<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Spare").field(&**self).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_given_back_is_lent_again() {
        let spares = Spares::<Box<u32>>::default();
        let first = spares.lend(|| Some(Box::new(1))).unwrap();
        let at: *const u32 = &**first;
        drop(first);
        let again = spares.lend(|| Some(Box::new(2))).unwrap();
        assert_eq!(**again, 1, "a new copy was made although one was idle");
        assert_eq!(at, &**again as *const u32);
    }

    #[test]
    fn two_holders_get_two_copies() {
        let spares = Spares::<u32>::default();
        let mut made = 1u32..;
        let a = spares.lend(|| made.next()).unwrap();
        let b = spares.lend(|| made.next()).unwrap();
        assert_ne!(*a, *b);
        assert!(spares.lend(|| None).is_none(), "no idle copy and none made");
    }

    #[test]
    fn idle_copies_are_bounded_by_the_cores() {
        let spares = Spares::<u32>::default();
        let cores = crate::threads_cap(usize::MAX);
        let held: Vec<_> = (0..cores as u32 + 3)
            .map(|i| spares.lend(|| Some(i)).unwrap())
            .collect();
        drop(held);
        assert_eq!(spares.idle.lock().unwrap().len(), cores);
    }
}
