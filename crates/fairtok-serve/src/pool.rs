//! The encoding workers and the admission bound.
//!
//! Encoding is CPU work; it runs on a rayon pool of a fixed number of threads, apart from
//! the tokio threads that do I/O. A job hands its result back through a oneshot channel.
//! What bounds memory is [`Admission`]: at most `queue` requests hold a permit, which they
//! take before their body is read and drop after their answer is made, so the rayon queue
//! never holds more than `queue` jobs.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;

use crate::error::{ApiError, Error};

/// The worker threads.
#[derive(Debug)]
pub(crate) struct Workers {
    pool: rayon::ThreadPool,
}

impl Workers {
    pub(crate) fn new(threads: usize) -> Result<Workers, Error> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("fairtok-worker-{i}"))
            .build()
            .map_err(|e| Error::Runtime(format!("cannot start {threads} worker threads: {e}")))?;
        Ok(Workers { pool })
    }

    /// Runs `job` on a worker and waits for it without blocking the I/O thread. A panic in
    /// the job is answered `500` (and the worker lives on).
    pub(crate) async fn run<T, F>(&self, job: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|_| {
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the tokenizer failed on this input (a bug: please report the request)",
                ))
            });
            // The client may have gone; its answer is then dropped.
            let _ = tx.send(result);
        });
        rx.await.unwrap_or_else(|_| {
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "a worker stopped before answering",
            ))
        })
    }
}

/// The bound on requests in the server: a counter of permits.
#[derive(Debug)]
pub(crate) struct Admission {
    limit: usize,
    held: AtomicUsize,
}

/// A held place; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Permit(Arc<Admission>);

impl Admission {
    pub(crate) fn new(limit: usize) -> Arc<Admission> {
        Arc::new(Admission {
            limit,
            held: AtomicUsize::new(0),
        })
    }

    /// A place, or `503` when all `limit` are held.
    pub(crate) fn try_enter(self: &Arc<Self>) -> Result<Permit, ApiError> {
        let mut held = self.held.load(Ordering::Relaxed);
        loop {
            if held >= self.limit {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    format!(
                        "the server is at its limit of {} requests in progress; retry later",
                        self.limit
                    ),
                ));
            }
            match self.held.compare_exchange_weak(
                held,
                held + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(Permit(self.clone())),
                Err(now) => held = now,
            }
        }
    }

    /// Requests in progress now.
    pub(crate) fn in_progress(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.held.fetch_sub(1, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_holds_at_most_its_limit() {
        let a = Admission::new(2);
        let p1 = a.try_enter().unwrap();
        let _p2 = a.try_enter().unwrap();
        let e = a.try_enter().unwrap_err();
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        drop(p1);
        assert_eq!(a.in_progress(), 1);
        assert!(a.try_enter().is_ok());
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error_and_the_pool_lives_on() {
        let w = Workers::new(1).unwrap();
        let e = w.run::<(), _>(|| panic!("boom")).await.unwrap_err();
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(w.run(|| Ok(7)).await.unwrap(), 7);
    }
}
