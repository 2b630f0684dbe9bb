//! Ctrl-C during long native calls.
//!
//! Python runs its signal handlers only on the main thread, between bytecodes: a native call
//! that holds the main thread for seconds (a batch of texts, a training run) would receive
//! Ctrl-C only when it returns. So long calls leave the waiting to the calling thread, which
//! wakes every [`POLL`] to run `PyErr_CheckSignals` (pyo3's `check_signals`): on a signal the
//! work is told to stop ([`Cancel`], the library's `Progress::cancelled`, or the batch's
//! shared cursor), and the signal's exception (`KeyboardInterrupt`) is raised once the work
//! has stopped, within a chunk or a few merges.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// How often a waiting call looks for signals.
pub(crate) const POLL: Duration = Duration::from_millis(50);

/// The stop flag a long library call polls, as its `Progress`.
#[derive(Debug, Default)]
pub(crate) struct Cancel(AtomicBool);

impl fairtok_train::Progress for Cancel {
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs `work` on a helper thread, without the GIL, while the calling thread checks for
/// signals (see the module docs). On a signal, `work`'s [`Cancel`] is set, its end awaited,
/// and the signal's exception returned. If no thread can be started, `work` runs on the
/// calling thread (not interruptible).
pub(crate) fn interruptible<T: Send>(
    py: Python<'_>,
    work: impl FnOnce(&Cancel) -> T + Send,
) -> PyResult<T> {
    let cancel = Cancel::default();
    let work = Mutex::new(Some(work));
    let take = || work.lock().unwrap_or_else(|e| e.into_inner()).take();
    std::thread::scope(|s| {
        let (tx, mut rx) = mpsc::channel::<T>();
        let (cancel, take) = (&cancel, &take);
        let started = std::thread::Builder::new().spawn_scoped(s, move || {
            if let Some(w) = take() {
                let _ = tx.send(w(cancel));
            }
        });
        if started.is_err() {
            let w = take().expect("the work has not started");
            return Ok(py.detach(|| w(cancel)));
        }
        loop {
            let (back, got) = py.detach(move || {
                let got = rx.recv_timeout(POLL);
                (rx, got)
            });
            rx = back;
            match got {
                Ok(v) => return Ok(v),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(signal) = py.check_signals() {
                        cancel.0.store(true, Ordering::Relaxed);
                        py.detach(move || {
                            let _ = rx.recv();
                        });
                        return Err(signal);
                    }
                }
                // The work panicked: the scope re-raises its panic when it ends.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("the native work stopped"))
                }
            }
        }
    })
}
