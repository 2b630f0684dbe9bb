//! Batches: many texts encoded on native threads without the GIL, a run of consecutive texts
//! at a time, the results handed to the calling thread in order, as lists of ints or as one
//! flat buffer of ids with offsets.
//!
//! The calling thread is the only one that may touch the Python strings, so it turns them into
//! UTF-8 ([`text_of`]) a run at a time and hands each run to the workers as soon as it is
//! ready, while they encode the runs before it. Done all at once before any encoding, that
//! step (about 45 ms for 20 MB of Korean, which CPython must convert to UTF-8) ran on one core
//! and held two threads to about 1.65× one thread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

use fairtok_core::Tokenizer;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList, PyString};

use crate::request::{EncodeError, Request};
use crate::{text_of, write_ids, CoreTokenizer};

/// The most native threads one batch call starts, whatever `num_threads` asks: the work is
/// CPU-bound, and a thread per text of a huge batch could exhaust the process.
const MAX_THREADS: usize = 256;

/// About how many bytes of text make a run: the unit a worker claims and the calling thread
/// takes back (one wake-up of the calling thread per run).
const CHUNK_BYTES: usize = 256 << 10;

/// Runs converted ahead of the workers, per worker, so that none waits for the next one.
const AHEAD: usize = 2;

/// The next run of `texts` from `start`: the texts as UTF-8, up to about [`CHUNK_BYTES`] and at
/// most `max_texts` of them (at least one). Needs the GIL.
fn next_run<'a>(
    texts: &'a [Bound<'_, PyString>],
    start: usize,
    max_texts: usize,
) -> PyResult<Vec<&'a str>> {
    let mut run = Vec::new();
    let mut bytes = 0;
    for t in &texts[start..] {
        let t = text_of(t)?;
        bytes += t.len();
        run.push(t);
        if bytes >= CHUNK_BYTES || run.len() >= max_texts {
            break;
        }
    }
    Ok(run)
}

impl CoreTokenizer {
    /// Encodes `texts` on up to `num_threads` threads (at most [`MAX_THREADS`]), a run of
    /// consecutive texts at a time: `part` encodes a run (up to its first failing text), and
    /// `take` gets the result of each run, in the order of `texts`, on the calling thread with
    /// the GIL held.
    ///
    /// With more than one thread, workers encode without the GIL while the calling thread
    /// converts the runs ahead of them (see the module docs) and takes the results that are
    /// ready: making the Python objects needs the GIL, and done after all the encoding it ran
    /// on one core and held the speed-up of two threads to about 1.2×. The workers share the
    /// tokenizer, and `part` should encode its run in one call of the core
    /// (`Tokenizer::encode_each`), so that a run takes one memo of pieces, not one per text;
    /// a copy of the tokenizer per worker cost a first call 7 ms per copy and, with a memo per
    /// run, bought nothing (`BENCHMARKS.md`).
    /// The error returned is that of the first failing text, as tiktoken's
    /// `ThreadPoolExecutor.map` gives (a text that is not valid UTF-8 fails the call when its
    /// run is converted). If the system refuses a thread, the threads already
    /// running do the work (the calling thread, if none runs).
    pub(crate) fn batch<P: Send>(
        &self,
        py: Python<'_>,
        texts: &[Bound<'_, PyString>],
        num_threads: usize,
        part: impl Fn(&Tokenizer, &[&str]) -> Result<P, EncodeError> + Sync,
        mut take: impl FnMut(P) -> PyResult<()>,
    ) -> PyResult<()> {
        let tok = &self.tok;
        let n = texts.len();
        let threads = num_threads.clamp(1, MAX_THREADS).min(n);
        // Runs of about CHUNK_BYTES, with a look for Ctrl-C between them (`interrupt`).
        let serial = |py: Python<'_>, take: &mut dyn FnMut(P) -> PyResult<()>, mut start| {
            while start < n {
                let run = next_run(texts, start, usize::MAX)?;
                let done = py
                    .detach(|| part(tok, &run))
                    .map_err(|e| e.into_py_err(py))?;
                take(done)?;
                py.check_signals()?;
                start += run.len();
            }
            Ok(())
        };
        if threads <= 1 {
            return serial(py, &mut take, 0);
        }
        // Each thread gets several runs, however few the bytes.
        let max_texts = (n / (4 * threads)).max(1);
        let stop = AtomicBool::new(false);
        let claimed = AtomicUsize::new(0);
        let (run_tx, run_rx) = mpsc::channel::<(usize, Vec<&str>)>();
        let run_rx = Mutex::new(run_rx);
        let mut failed = None;
        std::thread::scope(|s| {
            let (tx, mut rx) = mpsc::channel::<(usize, Result<P, EncodeError>)>();
            let (part, stop, claimed, run_rx) = (&part, &stop, &claimed, &run_rx);
            let mut running = 0;
            for _ in 0..threads {
                let tx = tx.clone();
                let work = move || {
                    loop {
                        // The lock is held while waiting: the next worker waits for the next run.
                        let got = run_rx.lock().ok().and_then(|rx| rx.recv().ok());
                        let Some((i, run)) = got else { break };
                        claimed.fetch_add(1, Ordering::Relaxed);
                        if stop.load(Ordering::Relaxed) {
                            continue; // a failure: the runs still queued are dropped
                        }
                        if tx.send((i, part(tok, &run))).is_err() {
                            break;
                        }
                    }
                };
                if std::thread::Builder::new().spawn_scoped(s, work).is_err() {
                    break;
                }
                running += 1;
            }
            drop(tx);
            if running == 0 {
                drop(run_tx);
                failed = serial(py, &mut take, 0).err();
                return;
            }
            let mut run_tx = Some(run_tx);
            // Runs arrive in any order; they are taken in the order of `texts`.
            let mut ready: Vec<Option<Result<P, EncodeError>>> = Vec::new();
            let (mut start, mut taken) = (0, 0);
            let result = loop {
                // Keep AHEAD runs per worker converted and waiting.
                let waiting = ready.len() - claimed.load(Ordering::Relaxed);
                if let Some(sender) = run_tx.as_ref().filter(|_| waiting < AHEAD * running) {
                    let run = match next_run(texts, start, max_texts) {
                        Ok(r) => r,
                        Err(e) => break Err(e),
                    };
                    start += run.len();
                    // Its slot first: a worker may claim the run before `send` returns.
                    ready.push(None);
                    // The workers only stop once this sender is dropped.
                    let _ = sender.send((ready.len() - 1, run));
                    if start == n {
                        run_tx = None; // the workers stop when the queue is empty
                    }
                    continue;
                }
                if let Some(r) = ready.get_mut(taken).and_then(Option::take) {
                    taken += 1;
                    if let Err(e) = r.map_err(|e| e.into_py_err(py)).and_then(&mut take) {
                        break Err(e);
                    }
                    continue;
                }
                if start == n && taken == ready.len() {
                    break Ok(());
                }
                // Wait without the GIL (the receiver moves in and out: it is not `Sync`), for
                // at most POLL, then look for Ctrl-C (`interrupt`).
                let (back, got) = py.detach(move || {
                    let got = rx.recv_timeout(crate::interrupt::POLL);
                    (rx, got)
                });
                rx = back;
                match got {
                    Ok((i, r)) => ready[i] = Some(r),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        unreachable!("the workers send every run before they stop")
                    }
                }
                // After every run and every POLL without one: runs that arrive more often
                // than POLL must not keep Ctrl-C waiting until the whole batch is done.
                if let Err(e) = py.check_signals() {
                    break Err(e);
                }
            };
            // On a failure the workers drop what is queued and stop with the queue closed.
            stop.store(true, Ordering::Relaxed);
            drop(run_tx);
            failed = result.err();
        });
        failed.map_or(Ok(()), Err)
    }

    /// `encode` of each text as a Python list (see [`CoreTokenizer::batch`]).
    pub(crate) fn lists<'py>(
        &self,
        py: Python<'py>,
        texts: &[Bound<'py, PyString>],
        num_threads: usize,
        req: &Request,
    ) -> PyResult<Vec<Bound<'py, PyList>>> {
        let mut out = Vec::with_capacity(texts.len());
        let part = |tok: &Tokenizer, texts: &[&str]| req.encode_all(tok, texts);
        self.batch(py, texts, num_threads, part, |flat| {
            for ids in flat.texts() {
                out.push(self.list(py, ids)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// `encode` of every text, concatenated, as the bytes of native-endian `u32`s, and the
    /// offsets of the texts in it (`len(texts) + 1` native-endian `i64`s, from 0): two
    /// `bytearray`s, made without a Python object per id or per text (see
    /// [`CoreTokenizer::batch`]).
    pub(crate) fn flat<'py>(
        &self,
        py: Python<'py>,
        texts: &[Bound<'py, PyString>],
        num_threads: usize,
        req: &Request,
    ) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
        let mut parts = Vec::new();
        let part = |tok: &Tokenizer, texts: &[&str]| req.encode_all(tok, texts);
        self.batch(py, texts, num_threads, part, |flat| {
            parts.push(flat);
            Ok(())
        })?;
        let total: usize = parts.iter().map(|p| p.ids.len()).sum();
        let ids = PyByteArray::new_with(py, total * 4, |buf| {
            let mut at = 0;
            for p in &parts {
                let dst = &mut buf[at..at + 4 * p.ids.len()];
                write_ids(dst, &p.ids);
                at += dst.len();
            }
            Ok(())
        })?;
        let offsets = PyByteArray::new_with(py, (texts.len() + 1) * 8, |buf| {
            let mut base = 0;
            let ends = parts.iter().flat_map(|p| {
                let at = base;
                base += p.ids.len();
                p.ends.iter().map(move |e| at + e)
            });
            let all = std::iter::once(0).chain(ends);
            for (d, end) in buf.chunks_exact_mut(8).zip(all) {
                d.copy_from_slice(&(end as i64).to_ne_bytes());
            }
            Ok(())
        })?;
        Ok((ids, offsets))
    }
}
