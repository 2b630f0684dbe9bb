//! `fairtok._fairtok.train`: byte-level BPE training from files and from in-memory texts, the
//! pipeline of `fairtok train` (`fairtok_train`) with the GIL released. The error mapping,
//! the output naming and the counting of in-memory texts are shared with `extend`.

use std::path::{Path, PathBuf};

use fairtok_train::{
    CountOptions, Input, LangStats, NoProgress, OutputFormat, ParityOptions, ParityTraining,
    PieceCounts, TrainError, TrainOptions, Window,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::{io_err, to_py_err, CoreTokenizer};

/// The command line's option names, as the Python keyword arguments that stand for them: the
/// trainer words its messages for the command line.
const OPTION_NAMES: &[(&str, &str)] = &[
    ("--vocab-size", "vocab_size"),
    ("--special", "specials"),
    ("--max-token-bytes", "max_token_bytes"),
    ("--max-pieces", "max_pieces"),
    ("--text-field", "text_field"),
    ("--strict", "strict=True"),
    ("--pattern", "pattern"),
    ("--input", "inputs"),
    ("--script", "script"),
    ("--format tiktoken", "format=\"tiktoken\""),
    ("--format hf", "format=\"hf\""),
    ("--parity-dev", "parity_dev"),
    ("--parity-exclude", "parity_exclude"),
];

fn python_words(msg: &str) -> String {
    OPTION_NAMES
        .iter()
        .fold(msg.to_owned(), |m, (cli, py)| m.replace(cli, py))
}

/// Maps a trainer error to a Python exception with the trainer's message: a file that cannot be
/// read or written is an `OSError` (by kind), everything else a `ValueError`.
pub(crate) fn train_err(e: TrainError) -> PyErr {
    let msg = e.to_string();
    match e {
        TrainError::Io { source, .. } => io_err(source.kind(), msg),
        TrainError::Core(e) => to_py_err(e),
        _ => PyValueError::new_err(python_words(&msg)),
    }
}

/// What a training run gives back to Python (see `fairtok.train`).
struct Outcome {
    core: CoreTokenizer,
    trained: fairtok_train::Trained,
    languages: Vec<LangStats>,
    skipped_utf8: u64,
    first_skipped: Option<(PathBuf, u64)>,
    pruned_pieces: u64,
    pruned_occurrences: u64,
    files: Vec<PathBuf>,
}

/// Counts the pre-tokens of in-memory texts (each text one record, as a line of a file is) on
/// up to `threads` threads, into `counts`, and adds their statistics per language.
pub(crate) fn count_texts(
    counts: &mut PieceCounts,
    texts: &[(String, Vec<String>)],
    threads: usize,
) -> Result<(), TrainError> {
    let pattern = counts.pattern.clone();
    let per_language = counts.is_per_language();
    fairtok_core::pattern::Regex::tiktoken(&pattern)?;
    for (lang, list) in texts {
        let chunk = list.len().div_ceil(threads.max(1)).max(1);
        let parts: Vec<Result<(PieceCounts, u64), TrainError>> = std::thread::scope(|s| {
            let workers: Vec<_> = list
                .chunks(chunk)
                .map(|part| {
                    let pattern = &pattern;
                    s.spawn(move || -> Result<(PieceCounts, u64), TrainError> {
                        let re = fairtok_core::pattern::Regex::tiktoken(pattern)?;
                        // A per-language table (parity-aware training) gets the texts under
                        // their tag: `merge` maps it to the table's index of the tag.
                        let mut local = if per_language {
                            PieceCounts::new_per_language(pattern, std::slice::from_ref(lang))?
                        } else {
                            PieceCounts::new(pattern)
                        };
                        let mut pieces = 0u64;
                        for text in part {
                            let b = text.as_bytes();
                            re.for_each_match(text, |st, en| {
                                local.add(&b[st..en], 1);
                                pieces += 1;
                            })?;
                        }
                        Ok((local, pieces))
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| match w.join() {
                    Ok(r) => r,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        let mut pieces = 0;
        for part in parts {
            let (local, n) = part?;
            counts.merge(local);
            pieces += n;
        }
        let stats = &mut counts.stats.languages;
        let i = match stats.iter().position(|l| &l.lang == lang) {
            Some(i) => i,
            None => {
                stats.push(LangStats {
                    lang: lang.clone(),
                    ..Default::default()
                });
                stats.len() - 1
            }
        };
        stats[i].bytes += list.iter().map(|t| t.len() as u64).sum::<u64>();
        stats[i].records += list.len() as u64;
        stats[i].pieces += pieces;
    }
    Ok(())
}

/// The arguments of one training run, resolved by the Python side.
struct Job {
    inputs: Vec<Input>,
    texts: Vec<(String, Vec<String>)>,
    counts_files: Vec<PathBuf>,
    opts: TrainOptions,
    pattern: Option<String>,
    max_pieces: usize,
    text_field: String,
    strict: bool,
    output: Option<(PathBuf, OutputFormat)>,
    name: Option<String>,
}

fn run(req: Job) -> Result<Outcome, TrainError> {
    req.opts.merges_wanted()?;
    if req.inputs.is_empty() && req.texts.is_empty() && req.counts_files.is_empty() {
        return Err(TrainError::Usage(
            "nothing to train on: give inputs, texts or counts".into(),
        ));
    }
    let pattern = match (&req.pattern, req.counts_files.first()) {
        (Some(p), _) => fairtok_core::pattern::resolve(p).to_owned(),
        (None, Some(f)) => fairtok_train::parquet_io::read_meta(f)?.pattern,
        (None, None) => fairtok_core::pattern::O200K.to_owned(),
    };
    let output = match &req.output {
        Some((path, format)) => {
            if *format == OutputFormat::Hf {
                // Refuse a pattern Hugging Face cannot run before training, not after.
                fairtok_core::write::oniguruma_pattern(&pattern)?;
            }
            let out = fairtok_train::output_file(path, *format)?;
            Some((out, *format))
        }
        None => None,
    };
    let name = match (&req.name, &output) {
        (Some(n), _) => n.clone(),
        (None, Some((out, _))) => fairtok_train::encoding_name(out),
        (None, None) => "fairtok".into(),
    };
    let count_opts = CountOptions {
        pattern,
        threads: req.opts.threads,
        max_pieces: req.max_pieces,
        strict: req.strict,
        text_field: req.text_field.clone(),
        per_language: req.opts.parity.is_some(),
    };
    let mut counts =
        fairtok_train::count_all(&req.inputs, &req.counts_files, &count_opts, &NoProgress)?;
    count_texts(&mut counts, &req.texts, req.opts.threads)?;
    let stats = counts.stats.clone();
    let trained = fairtok_train::train(counts, &req.opts, &NoProgress)?;
    let files = match &output {
        Some((out, format)) => trained.write(out, *format, &name)?,
        None => vec![],
    };
    let core = CoreTokenizer::new(trained.tokenizer(&name)?);
    Ok(Outcome {
        core,
        trained,
        languages: stats.languages,
        skipped_utf8: stats.skipped_utf8,
        first_skipped: stats.first_skipped,
        pruned_pieces: stats.pruned_pieces,
        pruned_occurrences: stats.pruned_occurrences,
        files,
    })
}

/// The parity-aware options of `fairtok.train`, as `fairtok train --parity-dev DIR --pivot
/// LANG --parity-hybrid K --parity-window W --parity-window-max M --parity-exclude LANG,...`
/// takes them; `dev_lines` is the `{lang: [lines]}` form of `parity_dev`.
pub(crate) struct ParityArgs {
    pub dev_dir: Option<PathBuf>,
    pub dev_lines: Option<Vec<(String, Vec<String>)>>,
    pub pivot: Option<String>,
    pub hybrid: Option<usize>,
    pub window: Option<usize>,
    pub window_max: Option<usize>,
    pub exclude: Vec<String>,
}

/// The lines of one dev file, split as `fairtok train --parity-dev` splits them.
fn dev_file_lines(path: &Path) -> PyResult<Vec<String>> {
    let bytes = std::fs::read(path)
        .map_err(|e| io_err(e.kind(), format!("parity_dev: {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| PyValueError::new_err(format!("parity_dev: {}: not UTF-8", path.display())))?;
    Ok(fairtok_eval::corpus::split_lines(&text))
}

/// The selection rule and dev text of `args` for training on `languages` (in order of first
/// appearance), or `None` for classical training; the checks of `fairtok train`, worded with
/// the keyword arguments.
fn parity_training(args: ParityArgs, languages: &[String]) -> PyResult<Option<ParityTraining>> {
    let err = |m: String| Err(PyValueError::new_err(m));
    if args.dev_dir.is_none() && args.dev_lines.is_none() {
        for (given, what) in [
            (args.pivot.is_some(), "pivot"),
            (args.hybrid.is_some(), "parity_hybrid"),
            (args.window.is_some(), "parity_window"),
            (args.window_max.is_some(), "parity_window_max"),
            (!args.exclude.is_empty(), "parity_exclude"),
        ] {
            if given {
                return err(format!("{what} needs parity_dev (the parallel dev text)"));
            }
        }
        return Ok(None);
    }
    if args.window_max.is_some() && args.window.is_none() {
        return err("parity_window_max needs parity_window".into());
    }
    if languages.is_empty() {
        return err(
            "parity_dev needs inputs or texts with language tags (the languages of the dev text)"
                .into(),
        );
    }
    if let Some(dir) = &args.dev_dir {
        if !dir.is_dir() {
            return err(format!("parity_dev {}: not a directory", dir.display()));
        }
    }
    for x in &args.exclude {
        if !languages.contains(x) {
            return err(format!(
                "parity_exclude {x}: no input or texts of that language"
            ));
        }
    }
    let mut dev: Vec<(String, Vec<String>)> = vec![];
    for lang in languages {
        if args.exclude.contains(lang) {
            continue;
        }
        let lines = match (&args.dev_dir, &args.dev_lines) {
            (Some(dir), _) => {
                let path = dir.join(format!("{lang}.dev"));
                if !path.is_file() {
                    return err(format!(
                        "parity_dev: no dev file {} for the input language {lang} (give it, or parity_exclude=[{lang:?}])",
                        path.display()
                    ));
                }
                dev_file_lines(&path)?
            }
            (None, Some(given)) => match given.iter().find(|(l, _)| l == lang) {
                Some((_, lines)) => lines.clone(),
                None => {
                    return err(format!(
                        "parity_dev: no dev lines for the input language {lang} (give them, or parity_exclude=[{lang:?}])"
                    ))
                }
            },
            (None, None) => unreachable!("checked above"),
        };
        dev.push((lang.clone(), lines));
    }
    if dev.is_empty() {
        return err("parity_dev: every input language is excluded; nothing to balance".into());
    }
    let mut options = ParityOptions::hybrid(args.hybrid.unwrap_or(0));
    if let Some(w) = args.window {
        if w == 0 {
            return err("parity_window must be at least 1".into());
        }
        let window = match args.window_max {
            Some(0) => return err("parity_window_max must be at least 1".into()),
            Some(m) => Window {
                size: w,
                max_per_language: m.min(w),
            },
            None => Window::with_share(w, dev.len(), 2.0),
        };
        options = options.window(window);
    }
    if let Some(p) = &args.pivot {
        if !dev.iter().any(|(l, _)| l == p) {
            return err(format!("pivot {p}: not an input language with dev text"));
        }
    }
    Ok(Some(ParityTraining {
        options,
        dev,
        excluded: args.exclude,
    }))
}

/// Trains a byte-level BPE vocabulary (see `fairtok.train`, which resolves the arguments).
/// Returns a dict: `core` (a `CoreTokenizer`), `vocab_size`, `pattern`, `merges` (id pairs),
/// `merge_counts`, `specials`, `languages` (dicts), `skipped_lines`, `first_skipped`,
/// `pruned_pieces`, `pruned_occurrences`, `files`, `parity` (None, or a dict: `languages`,
/// `dev_tokens_before`, `dev_tokens_after`, `merges_taken` (lists in that language order),
/// `global_merges`, `hybrid`, `window` (None or `(size, max per language)`)).
#[pyfunction]
#[pyo3(signature = (
    specs, pairs, texts, counts, vocab_size, pattern, specials, min_frequency,
    max_token_bytes, threads, max_pieces, text_field, strict, output, format, name,
    parity_dev_dir=None, parity_dev_lines=None, pivot=None, parity_hybrid=None,
    parity_window=None, parity_window_max=None, parity_exclude=vec![]
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn train<'py>(
    py: Python<'py>,
    specs: Vec<String>,
    pairs: Vec<(String, Vec<PathBuf>)>,
    texts: Vec<(String, Vec<String>)>,
    counts: Vec<PathBuf>,
    vocab_size: usize,
    pattern: Option<String>,
    specials: Vec<String>,
    min_frequency: u64,
    max_token_bytes: Option<usize>,
    threads: Option<usize>,
    max_pieces: usize,
    text_field: String,
    strict: bool,
    output: Option<PathBuf>,
    format: &str,
    name: Option<String>,
    parity_dev_dir: Option<PathBuf>,
    parity_dev_lines: Option<Vec<(String, Vec<String>)>>,
    pivot: Option<String>,
    parity_hybrid: Option<usize>,
    parity_window: Option<usize>,
    parity_window_max: Option<usize>,
    parity_exclude: Vec<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut inputs = specs
        .iter()
        .map(|s| Input::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(train_err)?;
    for (lang, paths) in pairs {
        if lang.is_empty() {
            return Err(PyValueError::new_err("inputs: empty language tag"));
        }
        if paths.is_empty() {
            return Err(PyValueError::new_err(format!(
                "inputs: no path for the language {lang:?}"
            )));
        }
        inputs.push(Input { lang, paths });
    }
    if texts.iter().any(|(lang, _)| lang.is_empty()) {
        return Err(PyValueError::new_err("texts: empty language tag"));
    }
    let format = match format {
        "hf" => OutputFormat::Hf,
        "tiktoken" => OutputFormat::Tiktoken,
        f => {
            return Err(PyValueError::new_err(format!(
                "format must be \"hf\" or \"tiktoken\", not {f:?}"
            )))
        }
    };
    if threads == Some(0) {
        return Err(PyValueError::new_err("threads must be at least 1"));
    }
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // The languages trained on, in order of first appearance (the order of the counts).
    let mut languages: Vec<String> = vec![];
    for lang in inputs
        .iter()
        .map(|i| &i.lang)
        .chain(texts.iter().map(|(l, _)| l))
    {
        if !languages.contains(lang) {
            languages.push(lang.clone());
        }
    }
    let parity = parity_training(
        ParityArgs {
            dev_dir: parity_dev_dir,
            dev_lines: parity_dev_lines,
            pivot,
            hybrid: parity_hybrid,
            window: parity_window,
            window_max: parity_window_max,
            exclude: parity_exclude,
        },
        &languages,
    )?;
    let req = Job {
        inputs,
        texts,
        counts_files: counts,
        opts: TrainOptions {
            vocab_size,
            min_frequency,
            max_token_bytes,
            specials,
            threads,
            parity,
        },
        pattern,
        max_pieces,
        text_field,
        strict,
        output: output.map(|o| (o, format)),
        name,
    };
    let req_parity = req.opts.parity.as_ref().map(|p| p.options);
    let out = py.detach(|| run(req)).map_err(train_err)?;

    let d = PyDict::new(py);
    let t = &out.trained;
    d.set_item("vocab_size", t.vocab_size())?;
    d.set_item("pattern", &t.pattern)?;
    d.set_item("merges", &t.merges)?;
    d.set_item("merge_counts", &t.merge_counts)?;
    d.set_item("specials", &t.specials)?;
    let langs = PyList::empty(py);
    for l in &out.languages {
        langs.append(lang_stats(py, l)?)?;
    }
    d.set_item("languages", langs)?;
    set_read_stats(
        &d,
        out.skipped_utf8,
        &out.first_skipped,
        (out.pruned_pieces, out.pruned_occurrences),
        &out.files,
    )?;
    let tokens: Vec<Bound<'py, PyBytes>> = t.tokens.iter().map(|b| PyBytes::new(py, b)).collect();
    d.set_item("tokens", tokens)?;
    match (&t.parity, &req_parity) {
        (Some(r), Some(o)) => {
            let p = PyDict::new(py);
            p.set_item("languages", &r.languages)?;
            p.set_item("dev_tokens_before", &r.stats.dev_tokens_before)?;
            p.set_item("dev_tokens_after", &r.stats.dev_tokens_after)?;
            p.set_item("merges_taken", &r.stats.merges_taken)?;
            p.set_item("global_merges", r.stats.global_merges)?;
            p.set_item("hybrid", o.global_merges)?;
            p.set_item("window", o.window.map(|w| (w.size, w.max_per_language)))?;
            d.set_item("parity", p)?;
        }
        _ => d.set_item("parity", py.None())?,
    }
    d.set_item("core", Bound::new(py, out.core)?)?;
    Ok(d)
}

/// What was read of one language, as a dict: `lang`, `bytes`, `records`, `pieces`.
pub(crate) fn lang_stats<'py>(
    py: Python<'py>,
    l: &fairtok_train::LangStats,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("lang", &l.lang)?;
    d.set_item("bytes", l.bytes)?;
    d.set_item("records", l.records)?;
    d.set_item("pieces", l.pieces)?;
    Ok(d)
}

/// The reading statistics `train` and `extend` results share: `skipped_lines`,
/// `first_skipped` (`(path, line)` or None), `pruned_pieces`, `pruned_occurrences`, `files`.
pub(crate) fn set_read_stats(
    d: &Bound<'_, PyDict>,
    skipped_lines: u64,
    first_skipped: &Option<(PathBuf, u64)>,
    (pruned_pieces, pruned_occurrences): (u64, u64),
    files: &[PathBuf],
) -> PyResult<()> {
    d.set_item("skipped_lines", skipped_lines)?;
    d.set_item(
        "first_skipped",
        first_skipped
            .as_ref()
            .map(|(p, l)| (p.display().to_string(), *l)),
    )?;
    d.set_item("pruned_pieces", pruned_pieces)?;
    d.set_item("pruned_occurrences", pruned_occurrences)?;
    let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    d.set_item("files", files)
}
