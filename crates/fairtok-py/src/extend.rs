//! `fairtok._fairtok.extend`: vocabulary extension, the pipeline of `fairtok extend`
//! (`fairtok_train::extend`), from files and from in-memory texts, with the GIL released.

use std::path::{Path, PathBuf};

use fairtok_train::{
    Base, CountOptions, ExtendOptions, Extension, Input, LangStats, NoProgress, OutputFormat,
    ParityDev, PieceCounts, Script, TrainError, WeightedCounts,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::train::{count_texts, lang_stats, set_read_stats, train_err};
use crate::CoreTokenizer;

/// Where one input's text comes from.
enum Source {
    /// Files (or directories) read as `fairtok extend --input` reads them.
    Files(Vec<PathBuf>),
    /// Texts in memory, each one record.
    Texts(Vec<String>),
}

/// One weighted input language, in the order given.
struct Item {
    lang: String,
    weight: f64,
    source: Source,
}

/// The parity dev set: a directory of `LANG.dev` files, or the lines of each language.
enum Dev {
    Dir(PathBuf),
    Lines(Vec<(String, Vec<String>)>),
}

/// `LANG[@WEIGHT]` → the language and its weight (1 without `@`), as `fairtok extend --input`
/// reads it; `what` names the argument in messages.
fn parse_head(head: &str, what: &str) -> Result<(String, f64), TrainError> {
    let (lang, weight) = match head.split_once('@') {
        Some((l, w)) => {
            let w: f64 = w
                .trim()
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w > 0.0)
                .ok_or_else(|| {
                    TrainError::Usage(format!("{what}: the weight {w:?} is not a positive number"))
                })?;
            (l, w)
        }
        None => (head, 1.0),
    };
    if lang.is_empty() {
        return Err(TrainError::Usage(format!("{what}: empty language tag")));
    }
    Ok((lang.to_owned(), weight))
}

/// Resolves one input of the Python side: `("spec", "LANG[@WEIGHT]=PATH[,PATH...]", [])`,
/// `("files", "LANG[@WEIGHT]", paths)` or `("texts", "LANG[@WEIGHT]", texts)`.
fn item(kind: &str, head: String, values: Vec<String>) -> Result<Item, TrainError> {
    match kind {
        "spec" => {
            let (h, rest) = head.split_once('=').ok_or_else(|| {
                TrainError::Usage(format!(
                    "inputs {head:?}: expected LANG[@WEIGHT]=PATH[,PATH...]"
                ))
            })?;
            let (lang, weight) = parse_head(h, &format!("inputs {head:?}"))?;
            let input = Input::parse(&format!("{lang}={rest}"))?;
            Ok(Item {
                lang: input.lang,
                weight,
                source: Source::Files(input.paths),
            })
        }
        "files" => {
            let (lang, weight) = parse_head(&head, &format!("inputs[{head:?}]"))?;
            if values.is_empty() {
                return Err(TrainError::Usage(format!(
                    "inputs[{head:?}]: no path for the language"
                )));
            }
            Ok(Item {
                lang,
                weight,
                source: Source::Files(values.into_iter().map(PathBuf::from).collect()),
            })
        }
        _ => {
            let (lang, weight) = parse_head(&head, &format!("texts[{head:?}]"))?;
            Ok(Item {
                lang,
                weight,
                source: Source::Texts(values),
            })
        }
    }
}

/// A dev file's lines, as `fairtok extend --parity-dev` reads them.
fn read_dev(dir: &Path, lang: &str) -> Result<Vec<String>, TrainError> {
    let path = dir.join(format!("{lang}.dev"));
    let data = std::fs::read(&path).map_err(|e| {
        let hint = std::io::Error::new(
            e.kind(),
            format!(
                "{e} (the parity dev set needs a LANG.dev file for every input language and the pivot)"
            ),
        );
        TrainError::Io {
            path: path.clone(),
            source: hint,
        }
    })?;
    let text = String::from_utf8(data).map_err(|e| TrainError::File {
        path: path.clone(),
        reason: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })?;
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return Err(TrainError::File {
            path,
            reason: "empty dev file".into(),
        });
    }
    Ok(lines)
}

/// The arguments of one extension run, resolved by the Python side.
struct Job {
    base: String,
    items: Vec<Item>,
    add: usize,
    output: Option<PathBuf>,
    format: Option<OutputFormat>,
    name: Option<String>,
    script: Option<String>,
    dev: Option<Dev>,
    pivot: String,
    whole_pieces: bool,
    piece_bias: f64,
    min_frequency: u64,
    max_token_bytes: Option<usize>,
    threads: usize,
    max_pieces: usize,
    text_field: String,
    strict: bool,
}

/// What an extension run gives back to Python (see `fairtok.extend`).
struct Outcome {
    core: CoreTokenizer,
    ext: Extension,
    langs: Vec<String>,
    inputs: Vec<(f64, LangStats)>,
    skipped_lines: u64,
    first_skipped: Option<(PathBuf, u64)>,
    pruned_pieces: u64,
    pruned_occurrences: u64,
    files: Vec<PathBuf>,
    name: String,
    format: OutputFormat,
    script: String,
    base_name: String,
}

/// The steps of `fairtok extend` (`crates/fairtok-cli/src/extend.rs`), in its order, so that
/// the same arguments fail the same way and write the same files.
fn run(req: Job) -> Result<Outcome, TrainError> {
    if req.items.is_empty() {
        return Err(TrainError::Usage(
            "nothing to learn from: give inputs or texts".into(),
        ));
    }
    if req.add == 0 {
        return Err(TrainError::Usage("add must be at least 1".into()));
    }
    let script = match &req.script {
        Some(s) => Script::named(s)?,
        None => {
            let first = Script::of_lang(&req.items[0].lang)?;
            for i in &req.items[1..] {
                if Script::of_lang(&i.lang)? != first {
                    return Err(TrainError::Usage(format!(
                        "inputs {} and {} are in different scripts; give script",
                        req.items[0].lang, i.lang
                    )));
                }
            }
            first
        }
    };
    // A base that is no built-in is a path (as for `fairtok.load`): a missing one is an
    // `OSError`, not a bad name.
    let is_name = fairtok_core::builtin::find(&req.base).is_some()
        || fairtok_core::builtin::encoding_name_for_model(&req.base).is_some();
    if !is_name && !Path::new(&req.base).exists() {
        return Err(TrainError::Io {
            path: PathBuf::from(&req.base),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file (and not a built-in name)",
            ),
        });
    }
    let base = Base::load(&req.base)?;
    let format = match req.format {
        Some(f) => f,
        None if base.is_tiktoken() => OutputFormat::Tiktoken,
        None => OutputFormat::Hf,
    };
    if format == OutputFormat::Tiktoken && !base.is_tiktoken() {
        return Err(TrainError::Usage(format!(
            "{}: a tokenizer.json base (Hugging Face's merge rule) can only be extended to format=\"hf\"",
            req.base
        )));
    }
    let out = match &req.output {
        Some(path) => Some(fairtok_train::output_file(path, format)?),
        None => None,
    };
    let mut langs: Vec<String> = vec![];
    for i in &req.items {
        if !langs.contains(&i.lang) {
            langs.push(i.lang.clone());
        }
    }
    let parity = match req.dev {
        None => None,
        Some(dev) => {
            let mut given = match dev {
                Dev::Lines(lines) => lines,
                Dev::Dir(dir) => {
                    let mut lines = vec![(req.pivot.clone(), read_dev(&dir, &req.pivot)?)];
                    for l in &langs {
                        lines.push((l.clone(), read_dev(&dir, l)?));
                    }
                    lines
                }
            };
            let pivot = match given.iter().position(|(l, _)| *l == req.pivot) {
                Some(i) => given.swap_remove(i).1,
                None => {
                    return Err(TrainError::Usage(format!(
                        "parity_dev has no lines for the pivot {}",
                        req.pivot
                    )))
                }
            };
            let pivot_tokens = ParityDev::count_pivot(&base, &script, &req.pivot, &pivot)?;
            let mut lines = vec![];
            for l in &langs {
                match given.iter().position(|(g, _)| g == l) {
                    Some(i) => lines.push(given.swap_remove(i)),
                    None => {
                        return Err(TrainError::Usage(format!(
                            "parity_dev has no lines for the input language {l}"
                        )))
                    }
                }
            }
            Some(ParityDev {
                pivot_tokens,
                lines,
                selection: fairtok_train::ParityOptions::parity(),
            })
        }
    };
    let count_opts = CountOptions {
        pattern: base.pattern.clone(),
        threads: req.threads,
        max_pieces: req.max_pieces,
        strict: req.strict,
        text_field: req.text_field.clone(),
        per_language: false,
    };
    let mut weighted = vec![];
    let mut inputs = vec![];
    let (mut skipped_lines, mut first_skipped) = (0, None);
    let (mut pruned_pieces, mut pruned_occurrences) = (0, 0);
    for i in req.items {
        let counts = match i.source {
            Source::Files(paths) => {
                let input = Input {
                    lang: i.lang.clone(),
                    paths,
                };
                let (ls, sources) = fairtok_train::expand(std::slice::from_ref(&input))?;
                fairtok_train::count(&ls, &sources, &count_opts, &NoProgress)?
            }
            Source::Texts(texts) => {
                let mut counts = PieceCounts::new(&base.pattern);
                count_texts(&mut counts, &[(i.lang.clone(), texts)], req.threads)?;
                counts
            }
        };
        let s = &counts.stats;
        skipped_lines += s.skipped_utf8;
        if first_skipped.is_none() {
            first_skipped.clone_from(&s.first_skipped);
        }
        pruned_pieces += s.pruned_pieces;
        pruned_occurrences += s.pruned_occurrences;
        let stats = s.languages.first().cloned().unwrap_or_else(|| LangStats {
            lang: i.lang.clone(),
            ..Default::default()
        });
        inputs.push((i.weight, stats));
        weighted.push(WeightedCounts {
            lang: i.lang,
            weight: i.weight,
            counts,
        });
    }
    let opts = ExtendOptions {
        add: req.add,
        min_frequency: req.min_frequency,
        max_token_bytes: req.max_token_bytes,
        script,
        whole_pieces: req.whole_pieces,
        piece_bias: req.piece_bias,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.threads)
        .build()
        .map_err(|e| TrainError::Usage(format!("cannot start {} threads: {e}", req.threads)))?;
    let ext = pool
        .install(|| fairtok_train::extend(&base, weighted, parity.as_ref(), &opts, &NoProgress))?;
    let name = match (&req.name, &out) {
        (Some(n), _) => n.clone(),
        (None, Some(out)) => fairtok_train::encoding_name(out),
        (None, None) => "fairtok".into(),
    };
    let files = match &out {
        Some(out) => ext.write(&base, out, format, &name)?,
        None => vec![],
    };
    let core = CoreTokenizer::new(ext.tokenizer(&base, &name)?);
    Ok(Outcome {
        core,
        ext,
        langs,
        inputs,
        skipped_lines,
        first_skipped,
        pruned_pieces,
        pruned_occurrences,
        files,
        name,
        format,
        script: opts.script.name().to_owned(),
        base_name: base.tokenizer.name().to_owned(),
    })
}

/// Extends a vocabulary (see `fairtok.extend`, which resolves the arguments). `items` are
/// `(kind, head, values)`: `("spec", "LANG[@WEIGHT]=PATH[,PATH...]", [])`, `("files",
/// "LANG[@WEIGHT]", paths)` or `("texts", "LANG[@WEIGHT]", texts)`, in the order given.
/// `parity_dir` or `parity_lines` (at most one) is the dev set. Returns a dict: `core`,
/// `first_id`, `tokens`, `merges`, `counts`, `chosen_by`, `dev_premium`, `languages`,
/// `inputs`, `skipped_lines`, `first_skipped`, `pruned_pieces`, `pruned_occurrences`, `files`,
/// `name`, `format`, `script`, `base`.
#[pyfunction]
#[pyo3(signature = (
    base, items, add, output, format, name, script, parity_dir, parity_lines, pivot,
    whole_pieces, piece_bias, min_frequency, max_token_bytes, threads, max_pieces, text_field,
    strict
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn extend<'py>(
    py: Python<'py>,
    base: String,
    items: Vec<(String, String, Vec<String>)>,
    add: usize,
    output: Option<PathBuf>,
    format: Option<String>,
    name: Option<String>,
    script: Option<String>,
    parity_dir: Option<PathBuf>,
    parity_lines: Option<Vec<(String, Vec<String>)>>,
    pivot: String,
    whole_pieces: bool,
    piece_bias: f64,
    min_frequency: u64,
    max_token_bytes: Option<usize>,
    threads: Option<usize>,
    max_pieces: usize,
    text_field: String,
    strict: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let items = items
        .into_iter()
        .map(|(kind, head, values)| item(&kind, head, values))
        .collect::<Result<Vec<_>, _>>()
        .map_err(train_err)?;
    let format = match format.as_deref() {
        None => None,
        Some("hf") => Some(OutputFormat::Hf),
        Some("tiktoken") => Some(OutputFormat::Tiktoken),
        Some(f) => {
            return Err(PyValueError::new_err(format!(
                "format must be \"hf\" or \"tiktoken\", not {f:?}"
            )))
        }
    };
    if threads == Some(0) {
        return Err(PyValueError::new_err("threads must be at least 1"));
    }
    if !(piece_bias.is_finite() && piece_bias > 0.0) {
        return Err(PyValueError::new_err(format!(
            "piece_bias must be a positive number, not {piece_bias}"
        )));
    }
    let dev = match (parity_dir, parity_lines) {
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err(
                "parity_dev: give a directory or {lang: lines}, not both",
            ))
        }
        (Some(d), None) => Some(Dev::Dir(d)),
        (None, Some(l)) => Some(Dev::Lines(l)),
        (None, None) => None,
    };
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let req = Job {
        base,
        items,
        add,
        output,
        format,
        name,
        script,
        dev,
        pivot,
        whole_pieces,
        piece_bias,
        min_frequency,
        max_token_bytes,
        threads,
        max_pieces,
        text_field,
        strict,
    };
    let out = py.detach(|| run(req)).map_err(train_err)?;

    let d = PyDict::new(py);
    let e = &out.ext;
    d.set_item("first_id", e.first_id)?;
    let tokens: Vec<Bound<'py, PyBytes>> = e.tokens.iter().map(|b| PyBytes::new(py, b)).collect();
    d.set_item("tokens", tokens)?;
    d.set_item("merges", &e.merges)?;
    d.set_item("counts", &e.counts)?;
    let chosen: Vec<Option<&str>> = e
        .chosen_by
        .iter()
        .map(|c| c.map(|l| out.langs[l].as_str()))
        .collect();
    d.set_item("chosen_by", chosen)?;
    let premium = PyList::empty(py);
    for step in &e.dev_premium {
        let p = PyDict::new(py);
        for (lang, v) in out.langs.iter().zip(step) {
            p.set_item(lang, v)?;
        }
        premium.append(p)?;
    }
    d.set_item("dev_premium", premium)?;
    d.set_item("languages", &out.langs)?;
    let inputs = PyList::empty(py);
    for (weight, l) in &out.inputs {
        let ld = lang_stats(py, l)?;
        ld.set_item("weight", weight)?;
        inputs.append(ld)?;
    }
    d.set_item("inputs", inputs)?;
    set_read_stats(
        &d,
        out.skipped_lines,
        &out.first_skipped,
        (out.pruned_pieces, out.pruned_occurrences),
        &out.files,
    )?;
    d.set_item("name", &out.name)?;
    d.set_item(
        "format",
        match out.format {
            OutputFormat::Hf => "hf",
            OutputFormat::Tiktoken => "tiktoken",
        },
    )?;
    d.set_item("script", &out.script)?;
    d.set_item("base", &out.base_name)?;
    d.set_item("core", Bound::new(py, out.core)?)?;
    Ok(d)
}
