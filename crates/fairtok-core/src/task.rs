//! Threads that degrade to the calling thread.
//!
//! A process at its thread limit, or in a container whose `pids` budget is spent, gets an
//! error from `pthread_create`. `std::thread::Scope::spawn` panics on that error and a rayon
//! parallel iterator panics when its global pool cannot start; fairtok must neither panic nor
//! slow down there (issue 17), so its parallel work goes through the two helpers of this
//! module, whose fallback is to do the work on the calling thread:
//!
//! * [`Task::spawn`]: one piece of work on a scoped thread of its own, or, if the system
//!   refuses the thread, run at once where it was asked for. Only for work that does not wait
//!   for anything the caller does after spawning it (run inline, such work would wait for
//!   itself).
//! * [`on_pool`]: a closure that uses rayon (parallel iterators, `join`) on a pool of its own,
//!   or, if none of its threads can be started, on a pool of the calling thread alone, where
//!   the same parallel iterators run one item after another.
//!
//! Either way the result is the one the threads would have given; only the time differs, and
//! by at most what the threads would have saved. `tests/refused_threads.rs` checks both under a
//! real refusal (`RUST_MIN_STACK` set so large that no thread stack can be mapped).

use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

/// Work started by [`Task::spawn`]: on its own thread, or already done.
#[derive(Debug)]
pub struct Task<'scope, T>(Inner<'scope, T>);

#[derive(Debug)]
enum Inner<'scope, T> {
    Thread(ScopedJoinHandle<'scope, T>),
    Done(T),
}

impl<'scope, T: Send + 'scope> Task<'scope, T> {
    /// Runs `f` on a new thread of `scope`, or now on this thread if the system refuses one.
    pub fn spawn<'env, F>(scope: &'scope Scope<'scope, 'env>, f: F) -> Task<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
    {
        // The closure is shared with the thread, so that it is still here if the thread is not.
        let job = Arc::new(Mutex::new(Some(f)));
        let theirs = Arc::clone(&job);
        let run = move || {
            let f = theirs.lock().unwrap_or_else(|e| e.into_inner()).take();
            f.expect("a task runs once")()
        };
        match std::thread::Builder::new().spawn_scoped(scope, run) {
            Ok(handle) => Task(Inner::Thread(handle)),
            Err(_) => {
                let f = job.lock().unwrap_or_else(|e| e.into_inner()).take();
                let f = f.expect("a refused thread did not run its task");
                Task(Inner::Done(f()))
            }
        }
    }

    /// True if the work runs on a thread of its own (false: the system refused the thread and
    /// the work is already done).
    pub fn is_thread(&self) -> bool {
        matches!(self.0, Inner::Thread(_))
    }

    /// The result of the work (a panic on its thread goes on here).
    pub fn join(self) -> T {
        match self.0 {
            Inner::Thread(handle) => match handle.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Inner::Done(v) => v,
        }
    }
}

/// Runs `f` on a rayon pool of `threads` threads (0: rayon's default, `RAYON_NUM_THREADS` or
/// one per core), so that the parallel iterators inside it use that pool. If the system
/// refuses its threads, `f` runs on a pool of the calling thread alone (the parallel iterators
/// then run serially, with the same results). Called from a thread of a rayon pool, `f` runs
/// on that pool, as a parallel iterator there would.
pub fn on_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(f),
        Err(_) => {
            // No thread is started: the calling thread is the pool's only worker.
            match rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .use_current_thread()
                .build()
            {
                Ok(alone) => alone.install(f),
                Err(_) => f(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn tasks_give_their_results_and_their_panics() {
        let data: Vec<u64> = (1..=100).collect();
        let sums: Vec<u64> = std::thread::scope(|s| {
            let tasks: Vec<_> = data
                .chunks(10)
                .map(|c| Task::spawn(s, move || c.iter().sum::<u64>()))
                .collect();
            assert!(tasks.iter().all(Task::is_thread));
            tasks.into_iter().map(Task::join).collect()
        });
        assert_eq!(sums.len(), 10);
        assert_eq!(sums.iter().sum::<u64>(), 5050);
        assert_eq!(sums[0], 55);
        let caught = std::panic::catch_unwind(|| {
            std::thread::scope(|s| Task::spawn(s, || -> u32 { panic!("boom") }).join())
        });
        assert!(caught.is_err());
    }

    #[test]
    fn a_pool_runs_parallel_iterators_on_its_threads() {
        let squares: u64 = on_pool(2, || (1..=1000u64).into_par_iter().map(|x| x * x).sum());
        assert_eq!(squares, 333_833_500);
        assert_eq!(on_pool(2, rayon::current_num_threads), 2);
        // Inside a pool, the pool at hand.
        let inner = on_pool(2, || on_pool(5, rayon::current_num_threads));
        assert_eq!(inner, 2);
    }
}
