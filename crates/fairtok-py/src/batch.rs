//! Batches: many texts encoded on native threads without the GIL, a run of consecutive texts
//! at a time, the results handed to the calling thread in order, as lists of ints or as one
//! flat buffer of ids with offsets.

use std::sync::atomic::{AtomicUsize, Ordering};

use fairtok_core::Tokenizer;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList};

use crate::request::{EncodeError, Request};
use crate::{write_ids, CoreTokenizer};

/// The most native threads one batch call starts, whatever `num_threads` asks: the work is
/// CPU-bound, and a thread per text of a huge batch could exhaust the process.
const MAX_THREADS: usize = 256;

/// A batch from this many bytes per thread gives each worker its own copy of the tokenizer.
const COPY_FROM: usize = 2 << 20;

/// About how many bytes of text a batch worker encodes between two results it hands over.
const CHUNK_BYTES: usize = 256 << 10;

impl CoreTokenizer {
    /// Encodes `texts` on up to `num_threads` threads (at most [`MAX_THREADS`]), a run of
    /// consecutive texts at a time: `part` encodes a run (up to its first failing text), and
    /// `take` gets the result of each run, in the order of `texts`, on the calling thread with
    /// the GIL held.
    ///
    /// With more than one thread, workers encode without the GIL while the calling thread
    /// takes the results that are ready: making the Python objects needs the GIL, and done
    /// after all the encoding it ran on one core and held the speed-up of two threads to
    /// about 1.2×. A worker with megabytes to encode works on its own copy of the tokenizer
    /// ([`Tokenizer::try_clone`]). The error returned is that of the first failing text, as
    /// tiktoken's `ThreadPoolExecutor.map` gives. If the system refuses a thread, the threads
    /// already running do the work (the calling thread, if none runs).
    pub(crate) fn batch<P: Send>(
        &self,
        py: Python<'_>,
        texts: &[&str],
        num_threads: usize,
        part: impl Fn(&Tokenizer, &[&str]) -> Result<P, EncodeError> + Sync,
        mut take: impl FnMut(P) -> PyResult<()>,
    ) -> PyResult<()> {
        let tok = &self.tok;
        let n = texts.len();
        let threads = num_threads.clamp(1, MAX_THREADS).min(n);
        if threads <= 1 {
            // In runs of about CHUNK_BYTES, with a look for Ctrl-C between them (`interrupt`).
            let mut start = 0;
            while start < n {
                let mut end = start + 1;
                let mut bytes = texts[start].len();
                while end < n && bytes < CHUNK_BYTES {
                    bytes += texts[end].len();
                    end += 1;
                }
                let done = py
                    .detach(|| part(tok, &texts[start..end]))
                    .map_err(|e| e.into_py_err(py))?;
                take(done)?;
                py.check_signals()?;
                start = end;
            }
            return Ok(());
        }
        let bytes: usize = texts.iter().map(|t| t.len()).sum();
        let copy = bytes / threads >= COPY_FROM;
        // Texts are claimed and their results sent in runs of about CHUNK_BYTES (while
        // leaving each thread several runs): one wake-up of the calling thread per run.
        let chunk = (CHUNK_BYTES * n / bytes.max(1)).clamp(1, (n / (4 * threads)).max(1));
        let chunks = n.div_ceil(chunk);
        let next = AtomicUsize::new(0);
        let mut failed = None;
        std::thread::scope(|s| {
            let (tx, mut rx) = std::sync::mpsc::channel::<(usize, Result<P, EncodeError>)>();
            let (part, next) = (&part, &next);
            let mut running = 0;
            for _ in 0..threads {
                let tx = tx.clone();
                let work = move || {
                    let own = copy.then(|| tok.try_clone()).flatten();
                    let tok = own.as_ref().unwrap_or(tok);
                    loop {
                        let start = next.fetch_add(chunk, Ordering::Relaxed);
                        if start >= n {
                            break;
                        }
                        let end = (start + chunk).min(n);
                        if tx
                            .send((start / chunk, part(tok, &texts[start..end])))
                            .is_err()
                        {
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
                let all = py.detach(|| part(tok, texts));
                failed = all.map_err(|e| e.into_py_err(py)).and_then(&mut take).err();
                return;
            }
            // Runs arrive in any order; they are taken in the order of `texts`.
            let mut ready: Vec<Option<Result<P, EncodeError>>> =
                (0..chunks).map(|_| None).collect();
            let mut taken = 0;
            while taken < chunks {
                if let Some(r) = ready[taken].take() {
                    taken += 1;
                    if let Err(e) = r.map_err(|e| e.into_py_err(py)).and_then(&mut take) {
                        failed = Some(e);
                        next.store(n, Ordering::Relaxed); // the workers stop
                        break;
                    }
                    continue;
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
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        unreachable!("the workers send every run before they stop")
                    }
                }
                // After every run and every POLL without one: runs that arrive more often
                // than POLL must not keep Ctrl-C waiting until the whole batch is done.
                if let Err(e) = py.check_signals() {
                    failed = Some(e);
                    next.store(n, Ordering::Relaxed); // the workers stop
                    break;
                }
            }
        });
        failed.map_or(Ok(()), Err)
    }

    /// `encode` of each text as a Python list (see [`CoreTokenizer::batch`]).
    pub(crate) fn lists<'py>(
        &self,
        py: Python<'py>,
        texts: &[&str],
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
        texts: &[&str],
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
