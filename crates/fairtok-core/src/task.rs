//! Scoped threads that degrade to the calling thread: when the system refuses a thread
//! (a process at its thread limit), the work runs where it was asked for instead of panicking,
//! as `std::thread::Scope::spawn` would.

use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

/// Work started by [`Task::spawn`]: on its own thread, or already done.
pub(crate) enum Task<'scope, T> {
    Thread(ScopedJoinHandle<'scope, T>),
    Done(T),
}

impl<'scope, T: Send + 'scope> Task<'scope, T> {
    /// Runs `f` on a new thread of `scope`, or now on this thread if none can be made.
    pub(crate) fn spawn<'env, F>(scope: &'scope Scope<'scope, 'env>, f: F) -> Task<'scope, T>
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
            Ok(handle) => Task::Thread(handle),
            Err(_) => {
                let f = job.lock().unwrap_or_else(|e| e.into_inner()).take();
                Task::Done(f.expect("a refused thread did not run its task")())
            }
        }
    }

    /// The result of the work (a panic on its thread goes on here).
    pub(crate) fn join(self) -> T {
        match self {
            Task::Thread(handle) => match handle.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Task::Done(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_give_their_results_and_their_panics() {
        let data: Vec<u64> = (1..=100).collect();
        let sums: Vec<u64> = std::thread::scope(|s| {
            let tasks: Vec<_> = data
                .chunks(10)
                .map(|c| Task::spawn(s, move || c.iter().sum::<u64>()))
                .collect();
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
}
