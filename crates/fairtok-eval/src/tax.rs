//! The token-tax table: many tokenizers side by side on one parallel corpus (FLORES-200 dev in
//! `docs/token-tax.md` and `docs/token-tax.html`, made by `scripts/token-tax.sh`).
//!
//! Per tokenizer: its vocabulary size, the premium of Korean, Japanese and Chinese (tokens of the
//! language / tokens of the pivot over the whole corpus, [`metrics::measure`]), the five
//! languages with the highest premium, and the Gini coefficient of the premiums across all the
//! languages of the corpus ([`metrics::gini`]; the pivot counts, at 1). Rows are sorted by Korean
//! premium, lowest first.
//!
//! * [`build`] loads each [`Entry`] of a list, measures the ones that load one at a time (only
//!   one tokenizer is in memory at once), and lists the others with fairtok's reason;
//! * [`TaxTable::from_report`] makes the table from a report already measured;
//! * [`TaxTable::markdown`], [`TaxTable::html`] (self-contained, inline-SVG charts, no script)
//!   and [`TaxTable::write`] render it.
//!
//! ```
//! use fairtok_eval::{samples, tax};
//! let corpus = samples::flores_dev();
//! let entries = [
//!     tax::Entry::new("GPT-4 / cl100k_base", "cl100k_base"),
//!     tax::Entry::new("GPT-4o / o200k_base", "o200k_base"),
//! ];
//! let about = tax::About::new("FLORES-200 dev (bundled sample)", "0.1.0");
//! let table = tax::build(&entries, &corpus, "eng_Latn", &Default::default(), about, &|_| {})?;
//! assert_eq!(table.rows[0].label, "GPT-4o / o200k_base"); // lowest Korean premium first
//! assert!(table.markdown().contains("| GPT-4 / cl100k_base |"));
//! # Ok::<(), fairtok_eval::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use fairtok_core::{LoadOptions, Tokenizer};
use serde::Serialize;

use crate::corpus::ParallelCorpus;
use crate::error::{Error, Result};
use crate::metrics::{self, Report, TokenizerReport};
use crate::render::{self, Bar, ReportFiles};

mod page;

/// The FLORES-200 code of Korean, the language the table is sorted by.
pub const KOREAN: &str = "kor_Hang";
/// The FLORES-200 code of Japanese.
pub const JAPANESE: &str = "jpn_Jpan";
/// The FLORES-200 code of Chinese (Simplified).
pub const CHINESE: &str = "zho_Hans";
/// How many of the highest-premium languages a row lists.
pub const HIGHEST: usize = 5;

/// One tokenizer to put in the table.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name people know it by ("GPT-4o / o200k_base", "Llama 3").
    pub label: String,
    /// What [`Tokenizer::load`] takes: a built-in name or a path.
    pub spec: String,
    /// How to load it (`.tiktoken` pattern, WordPiece lower-casing).
    pub options: LoadOptions,
    /// The label of another entry with the same vocabulary: this one is only loaded (to show
    /// that it loads), not measured again, and listed under "same vocabulary as".
    pub same_as: Option<String>,
    /// A note shown under the table (what the tokenizer is, what its counts are not).
    pub note: Option<String>,
    /// Whether a refusal to load is an error ([`build`] fails) rather than a line under "not
    /// in the table".
    pub required: bool,
}

impl Entry {
    /// A required entry with default load options, no note and no "same as".
    pub fn new(label: &str, spec: &str) -> Entry {
        Entry {
            label: label.to_owned(),
            spec: spec.to_owned(),
            options: LoadOptions::default(),
            same_as: None,
            note: None,
            required: true,
        }
    }
}

/// Parses a list of tokenizers: one per line, tab-separated `label, spec[, options[, same_as[,
/// note]]]`. `options` is `-` or comma-separated `pattern=NAME` and `lowercase`; an empty or
/// `-` field is absent. Empty lines and lines starting with `#` are skipped. The entries are
/// not required: one that does not load is listed, not an error. `place` names the text in
/// errors.
pub fn parse_list(text: &str, place: &str) -> Result<Vec<Entry>> {
    let mut out = vec![];
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |reason: String| Error::List {
            place: place.to_owned(),
            line: i + 1,
            reason,
        };
        let f: Vec<&str> = line.split('\t').map(str::trim).collect();
        let field = |k: usize| {
            f.get(k)
                .copied()
                .filter(|s| !s.is_empty() && *s != "-")
                .map(str::to_owned)
        };
        let (Some(label), Some(spec)) = (field(0), field(1)) else {
            return Err(err(
                "expected `label<TAB>spec[<TAB>options<TAB>same_as<TAB>note]`".into(),
            ));
        };
        if f.len() > 5 {
            return Err(err(format!("{} fields, at most 5", f.len())));
        }
        let mut options = LoadOptions::default();
        for o in field(2).iter().flat_map(|o| o.split(',')).map(str::trim) {
            match o.split_once('=') {
                Some(("pattern", p)) if !p.is_empty() => options.pattern = Some(p.to_owned()),
                None if o == "lowercase" => options.lowercase = true,
                _ => {
                    return Err(err(format!(
                        "option `{o}`: expected `pattern=NAME` or `lowercase`"
                    )))
                }
            }
        }
        out.push(Entry {
            label,
            spec,
            options,
            same_as: field(3),
            note: field(4),
            required: false,
        });
    }
    Ok(out)
}

/// Parses a table of language names, one per line: `code<TAB>name` (more columns are
/// ignored; empty lines and lines starting with `#` are skipped).
pub fn parse_names(text: &str, place: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split('\t').collect::<Vec<_>>()[..] {
            [code, name, ..] if !code.trim().is_empty() && !name.trim().is_empty() => {
                out.insert(code.trim().to_owned(), name.trim().to_owned());
            }
            _ => {
                return Err(Error::List {
                    place: place.to_owned(),
                    line: i + 1,
                    reason: "expected `code<TAB>name`".into(),
                })
            }
        }
    }
    Ok(out)
}

/// What the page says about how it was made.
#[derive(Debug, Clone, Serialize)]
pub struct About {
    /// The corpus, as the page names it ("FLORES-200 dev, CC BY-SA 4.0").
    pub corpus: String,
    /// The fairtok version.
    pub version: String,
    /// The commit of fairtok that made it, if known.
    pub commit: Option<String>,
    /// The date it was made (`YYYY-MM-DD`, UTC).
    pub date: String,
    /// How to make it again (a command), if given.
    pub regenerate: Option<String>,
}

impl About {
    /// `corpus` and `version`, dated today (UTC), no commit, no command.
    pub fn new(corpus: &str, version: &str) -> About {
        About {
            corpus: corpus.to_owned(),
            version: version.to_owned(),
            commit: None,
            date: utc_date(std::time::SystemTime::now()),
            regenerate: None,
        }
    }
}

/// The UTC date (`YYYY-MM-DD`) of a time (the Unix epoch for a time before it).
pub fn utc_date(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days to the civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A language and its premium.
#[derive(Debug, Clone, Serialize)]
pub struct LanguagePremium {
    /// Its code in the corpus (`kor_Hang`).
    pub code: String,
    /// Its name (the code when no name was given).
    pub name: String,
    /// Tokens of the language / tokens of the pivot.
    pub premium: f64,
}

/// One tokenizer of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Its label.
    pub label: String,
    /// As it was given (built-in name or path).
    pub spec: String,
    /// One past its largest id.
    pub vocab_size: usize,
    /// The premium of Korean ([`KOREAN`]), if the corpus has it.
    pub korean: Option<f64>,
    /// The premium of Japanese ([`JAPANESE`]), if the corpus has it.
    pub japanese: Option<f64>,
    /// The premium of Chinese ([`CHINESE`]), if the corpus has it.
    pub chinese: Option<f64>,
    /// The [`HIGHEST`] languages with the highest premium, highest first (ties by code; the
    /// pivot is not one of them).
    pub highest: Vec<LanguagePremium>,
    /// The Gini coefficient of the premiums of every language, the pivot included.
    pub gini: f64,
    /// How many of its tokens are its unknown token, when some are (set by [`build`]). A premium
    /// made of unknown tokens is low because text is lost, not because it is cheap.
    pub unknown: Option<Unknown>,
    /// Its note.
    pub note: Option<String>,
}

/// The share of the tokens that are the unknown token of a tokenizer
/// ([`Tokenizer::unknown_token`]).
#[derive(Debug, Clone, Serialize)]
pub struct Unknown {
    /// The unknown token.
    pub token: String,
    /// Its share of the Korean tokens, 0 to 1 (0 without Korean in the corpus).
    pub korean: f64,
    /// Its share of the tokens of every language of the corpus, 0 to 1.
    pub all: f64,
}

/// The share of the tokens of `corpus` that are the unknown token of `tok`, if it has one and
/// it occurs.
fn unknown_share(tok: &Tokenizer, corpus: &ParallelCorpus) -> Result<Option<Unknown>> {
    use rayon::prelude::*;
    let Some((token, id)) = tok.unknown_token() else {
        return Ok(None);
    };
    let (mut korean, mut all) = ((0, 0), (0, 0));
    for lang in &corpus.languages {
        let (unk, n) = lang
            .lines
            .par_iter()
            .enumerate()
            .map(|(i, l)| {
                let ids = tok.encode(l).map_err(|source| Error::Encode {
                    tokenizer: tok.name().to_owned(),
                    lang: lang.code.clone(),
                    line: i + 1,
                    source: Box::new(source),
                })?;
                Ok((ids.iter().filter(|&&i| i == id).count(), ids.len()))
            })
            .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))?;
        all = (all.0 + unk, all.1 + n);
        if lang.code == KOREAN {
            korean = (unk, n);
        }
    }
    let share = |(u, n): (usize, usize)| if n == 0 { 0.0 } else { u as f64 / n as f64 };
    Ok((all.0 > 0).then(|| Unknown {
        token,
        korean: share(korean),
        all: share(all),
    }))
}

/// A tokenizer that did not load, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// Its label.
    pub label: String,
    /// As it was given.
    pub spec: String,
    /// fairtok's one-line reason.
    pub reason: String,
    /// The entry with the same vocabulary, if there is one.
    pub same_as: Option<String>,
}

/// A tokenizer that loads and has the vocabulary of another one in the table.
#[derive(Debug, Clone, Serialize)]
pub struct SameVocabulary {
    /// Its label.
    pub label: String,
    /// As it was given.
    pub spec: String,
    /// One past its largest id.
    pub vocab_size: usize,
    /// The label of the tokenizer it duplicates.
    pub same_as: String,
}

/// The token-tax table.
#[derive(Debug, Clone, Serialize)]
pub struct TaxTable {
    /// How it was made.
    pub about: About,
    /// The language every premium is relative to.
    pub pivot: String,
    /// The number of languages measured (the pivot included).
    pub languages: usize,
    /// The number of aligned lines per language.
    pub lines: usize,
    /// The tokenizers, lowest Korean premium first (no Korean: last, by label).
    pub rows: Vec<Row>,
    /// The entries that loaded but duplicate a vocabulary of the table.
    pub same_vocabulary: Vec<SameVocabulary>,
    /// The entries that did not load.
    pub refused: Vec<Refused>,
}

/// The name of a language: from `names`, or its code.
fn name_of(names: &BTreeMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_owned())
}

/// The row of one measured tokenizer.
fn row(t: &TokenizerReport, entry: &Entry, pivot: &str, names: &BTreeMap<String, String>) -> Row {
    let premium = |code: &str| {
        t.languages
            .iter()
            .find(|l| l.lang == code)
            .map(|l| l.premium)
    };
    let mut ranked: Vec<_> = t.languages.iter().filter(|l| l.lang != pivot).collect();
    ranked.sort_by(|a, b| b.premium.total_cmp(&a.premium).then(a.lang.cmp(&b.lang)));
    let premiums: Vec<f64> = t.languages.iter().map(|l| l.premium).collect();
    Row {
        label: entry.label.clone(),
        spec: entry.spec.clone(),
        vocab_size: t.vocab_size,
        korean: premium(KOREAN),
        japanese: premium(JAPANESE),
        chinese: premium(CHINESE),
        highest: ranked
            .iter()
            .take(HIGHEST)
            .map(|l| LanguagePremium {
                code: l.lang.clone(),
                name: name_of(names, &l.lang),
                premium: l.premium,
            })
            .collect(),
        gini: metrics::gini(&premiums),
        unknown: None,
        note: entry.note.clone(),
    }
}

impl TaxTable {
    /// The table of a measured report: `entries[i]` labels `report.tokenizers[i]` (an error if
    /// the counts differ); `names` maps language codes to names. Nothing is listed as refused or
    /// as a duplicate vocabulary.
    pub fn from_report(
        report: &Report,
        entries: &[&Entry],
        names: &BTreeMap<String, String>,
        about: About,
    ) -> Result<TaxTable> {
        if entries.len() != report.tokenizers.len() {
            return Err(Error::NoTokenizer(format!(
                "{} labels for {} measured tokenizers",
                entries.len(),
                report.tokenizers.len()
            )));
        }
        let first = report.tokenizers.first();
        let mut rows: Vec<Row> = report
            .tokenizers
            .iter()
            .zip(entries)
            .map(|(t, e)| row(t, e, &report.pivot, names))
            .collect();
        rows.sort_by(|a, b| {
            let k = |r: &Row| r.korean.unwrap_or(f64::INFINITY);
            k(a).total_cmp(&k(b)).then(a.label.cmp(&b.label))
        });
        Ok(TaxTable {
            about,
            pivot: report.pivot.clone(),
            languages: first.map_or(0, |t| t.languages.len()),
            lines: first
                .and_then(|t| t.languages.first())
                .map_or(0, |l| l.lines),
            rows,
            same_vocabulary: vec![],
            refused: vec![],
        })
    }

    /// Writes the table to each file of `files` that is given, atomically (`-`: standard
    /// output, for one of them at most): Markdown, HTML, and JSON (the [`TaxTable`] fields).
    pub fn write(&self, files: &ReportFiles) -> Result<()> {
        let paths = [&files.json, &files.html, &files.markdown];
        if paths
            .iter()
            .filter(|p| p.as_deref() == Some(std::path::Path::new("-")))
            .count()
            > 1
        {
            return Err(Error::Output {
                path: "-".into(),
                reason: "only one output can go to standard output".into(),
            });
        }
        if let Some(p) = &files.json {
            let mut s = serde_json::to_string_pretty(self).expect("a table serializes");
            s.push('\n');
            crate::write_atomic(p, s.as_bytes())?;
        }
        if let Some(p) = &files.html {
            crate::write_atomic(p, self.html().as_bytes())?;
        }
        if let Some(p) = &files.markdown {
            crate::write_atomic(p, self.markdown().as_bytes())?;
        }
        Ok(())
    }

    /// A plain-text summary for a terminal: one line per tokenizer, then the refused ones.
    pub fn summary(&self) -> String {
        let w = self
            .rows
            .iter()
            .map(|r| r.label.chars().count())
            .max()
            .unwrap_or(9);
        let mut out = format!(
            "{:<w$}  {:>10}  {:>7}  {:>8}  {:>7}  {:>6}\n",
            "tokenizer", "vocabulary", "Korean", "Japanese", "Chinese", "Gini"
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "{:<w$}  {:>10}  {:>7}  {:>8}  {:>7}  {:>6.4}",
                r.label,
                render::thousands(r.vocab_size as u64),
                premium_cell(r.korean),
                premium_cell(r.japanese),
                premium_cell(r.chinese),
                r.gini
            );
        }
        for s in &self.refused {
            let _ = writeln!(out, "not in the table: {}: {}", s.label, s.reason);
        }
        out
    }

    /// The Markdown page: what the premium is, the table, notes, the vocabularies left out as
    /// duplicates, the tokenizers that did not load, and how the page was made.
    pub fn markdown(&self) -> String {
        page::markdown(self)
    }

    /// The self-contained HTML page: the Markdown's content with inline-SVG bar charts of the
    /// Korean, Japanese and Chinese premiums and of the Gini coefficient (no script, no
    /// external file).
    pub fn html(&self) -> String {
        page::html(self)
    }
}

/// A premium with three decimals, or `–` when the corpus has no such language.
fn premium_cell(p: Option<f64>) -> String {
    p.map_or_else(|| "–".to_owned(), |p| format!("{p:.3}"))
}

/// `spec` as the table shows it: the file name of a path, a built-in's name as it is.
fn shown_spec(spec: &str) -> &str {
    spec.rsplit(['/', '\\']).next().unwrap_or(spec)
}

/// fairtok's reason for not loading `spec`, on one line, with the path it starts with cut to
/// the file's name.
fn reason(e: &fairtok_core::Error, spec: &str) -> String {
    let msg = e.to_string().replace('\n', " ");
    msg.strip_prefix(spec).map_or(msg.clone(), |rest| {
        let rest = rest.strip_prefix(": ").unwrap_or(rest);
        if rest.starts_with(':') {
            format!("{}{rest}", shown_spec(spec))
        } else {
            rest.to_owned()
        }
    })
}

/// Measures one tokenizer: its report on `corpus` and its unknown tokens; tells `progress`.
fn measure_one(
    e: &Entry,
    tok: &Tokenizer,
    corpus: &ParallelCorpus,
    pivot: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<(TokenizerReport, Option<Unknown>)> {
    let started = std::time::Instant::now();
    let mut r = metrics::measure(std::slice::from_ref(tok), corpus, pivot, &[], &|_| {})?;
    let t = r.tokenizers.remove(0);
    let ko = t.languages.iter().find(|l| l.lang == KOREAN);
    let unk = fairtok_core::task::on_pool(0, || unknown_share(tok, corpus))?;
    progress(&format!(
        "{}: measured in {:.1} s{}{}",
        e.label,
        started.elapsed().as_secs_f64(),
        ko.map(|l| format!(", Korean premium {:.3}", l.premium))
            .unwrap_or_default(),
        unk.as_ref()
            .map(|u| format!(" ({:.1}% of its tokens are {})", u.all * 100.0, u.token))
            .unwrap_or_default()
    ));
    Ok((t, unk))
}

/// Loads each entry, measures those that load with [`metrics::measure`] on `corpus` against
/// `pivot` (one tokenizer in memory at a time), and makes the table. An entry that does not load
/// is listed under [`TaxTable::refused`], or is an [`Error::Load`] if it is
/// [`Entry::required`] (checked before anything is measured, so required entries are loaded
/// twice); an entry with [`Entry::same_as`] is loaded, not measured, and listed under
/// [`TaxTable::same_vocabulary`]. For each measured tokenizer, the share of Korean tokens that
/// are its unknown token is counted ([`Row::unknown`]). `progress` gets one line per
/// entry, as it is done.
pub fn build(
    entries: &[Entry],
    corpus: &ParallelCorpus,
    pivot: &str,
    names: &BTreeMap<String, String>,
    about: About,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<TaxTable> {
    corpus.language(pivot)?;
    // A required tokenizer that does not load fails the table before anything is measured.
    for e in entries.iter().filter(|e| e.required) {
        Tokenizer::load(&e.spec, &e.options).map_err(|source| Error::Load {
            spec: e.spec.clone(),
            source: Box::new(source),
        })?;
    }
    let mut measured: Vec<&Entry> = vec![];
    let mut reports: Vec<TokenizerReport> = vec![];
    let (mut same, mut refused, mut unknown) = (vec![], vec![], vec![]);
    for e in entries {
        let tok = match Tokenizer::load(&e.spec, &e.options) {
            Ok(t) => t,
            Err(source) if e.required => {
                return Err(Error::Load {
                    spec: e.spec.clone(),
                    source: Box::new(source),
                });
            }
            Err(source) => {
                let why = reason(&source, &e.spec);
                progress(&format!("{}: not in the table: {why}", e.label));
                refused.push(Refused {
                    label: e.label.clone(),
                    spec: e.spec.clone(),
                    reason: why,
                    same_as: e.same_as.clone(),
                });
                continue;
            }
        };
        if let Some(other) = &e.same_as {
            progress(&format!("{}: loads; same vocabulary as {other}", e.label));
            same.push(SameVocabulary {
                label: e.label.clone(),
                spec: e.spec.clone(),
                vocab_size: tok.n_vocab(),
                same_as: other.clone(),
            });
            continue;
        }
        let (t, unk) = measure_one(e, &tok, corpus, pivot, progress)?;
        unknown.push((e.label.clone(), unk));
        measured.push(e);
        reports.push(t);
    }
    if reports.is_empty() {
        return Err(Error::NoTokenizer(format!(
            "none of the {} tokenizers loaded",
            entries.len()
        )));
    }
    let report = Report {
        pivot: pivot.to_owned(),
        corpus: corpus.name.clone(),
        tokenizers: reports,
    };
    let mut table = TaxTable::from_report(&report, &measured, names, about)?;
    for r in &mut table.rows {
        r.unknown = unknown
            .iter()
            .find(|(label, _)| *label == r.label)
            .and_then(|(_, u)| u.clone());
    }
    table.same_vocabulary = same;
    table.refused = refused;
    Ok(table)
}

/// The bars of one chart: a value per row, in table order, coloured as a premium (or all one
/// colour when `fill` is given).
fn bars(t: &TaxTable, value: impl Fn(&Row) -> Option<f64>, fill: Option<&'static str>) -> Vec<Bar> {
    t.rows
        .iter()
        .filter_map(|r| {
            value(r).map(|v| Bar {
                label: r.label.clone(),
                value: v,
                fill: fill.unwrap_or_else(|| render::premium_fill(v, false)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
