//! Renderers of a [`Report`]: a terminal table, Markdown, JSON and a self-contained HTML page
//! with one inline-SVG bar chart per tokenizer (no scripts, no external fonts or styles).

use std::fmt::Write as _;

use crate::metrics::{LanguageStats, Report, TokenizerReport};

/// Languages of one tokenizer, highest premium first (ties by code).
fn by_premium(t: &TokenizerReport) -> Vec<&LanguageStats> {
    let mut v: Vec<&LanguageStats> = t.languages.iter().collect();
    v.sort_by(|a, b| b.premium.total_cmp(&a.premium).then(a.lang.cmp(&b.lang)));
    v
}

pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Where [`write_reports`] writes a report, each in its format; `None`: not written.
#[derive(Debug, Clone, Default)]
pub struct ReportFiles {
    /// The JSON report ([`json`]).
    pub json: Option<std::path::PathBuf>,
    /// The self-contained HTML page ([`html`]).
    pub html: Option<std::path::PathBuf>,
    /// The Markdown tables ([`markdown`]).
    pub markdown: Option<std::path::PathBuf>,
}

impl ReportFiles {
    /// Whether one of the reports goes to standard output (the path `-`).
    pub fn to_stdout(&self) -> bool {
        self.paths().any(|p| p.as_os_str() == "-")
    }

    fn paths(&self) -> impl Iterator<Item = &std::path::PathBuf> {
        [&self.json, &self.html, &self.markdown]
            .into_iter()
            .flatten()
    }
}

/// Writes `r` to each file of `files` that is given, atomically (`-`: standard output, for one
/// of them at most); returns the JSON report (what `fairtok parity --json` writes).
pub fn write_reports(r: &Report, files: &ReportFiles) -> crate::Result<String> {
    if files.paths().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(crate::Error::Output {
            path: "-".into(),
            reason: "only one report can go to standard output".into(),
        });
    }
    let doc = json(r);
    if let Some(p) = &files.json {
        crate::write_atomic(p, doc.as_bytes())?;
    }
    if let Some(p) = &files.html {
        crate::write_atomic(p, html(r).as_bytes())?;
    }
    if let Some(p) = &files.markdown {
        crate::write_atomic(p, markdown(r).as_bytes())?;
    }
    Ok(doc)
}

/// The terminal table: one block per tokenizer, sorted by premium; ANSI colour if `color`.
pub fn table(r: &Report, color: bool) -> String {
    let paint = |s: String, premium: f64| {
        if !color {
            return s;
        }
        let code = if premium > 1.5 {
            "31"
        } else if premium > 1.1 {
            "33"
        } else {
            "32"
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    };
    let bold = |s: String| {
        if color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "corpus: {}   pivot: {}", r.corpus, r.pivot);
    for t in &r.tokenizers {
        let has_cost = t.price_usd_per_million.is_some();
        let _ = writeln!(out);
        let mut head = format!(
            "{}  (vocab {}, Gini {:.4})",
            t.name,
            thousands(t.vocab_size as u64),
            t.gini
        );
        if let Some(p) = t.price_usd_per_million {
            let _ = write!(head, "  ${p}/M tokens");
        }
        let _ = writeln!(out, "{}", bold(head));
        let lw = t
            .languages
            .iter()
            .map(|l| l.lang.len())
            .max()
            .unwrap_or(4)
            .max(8);
        let _ = write!(
            out,
            "  {:<lw$}  {:>8}  {:>9}  {:>11}  {:>9}  {:>9}  {:>8}",
            "language", "premium", "mean/line", "tokens", "bytes/tok", "chars/tok", "tok/word"
        );
        if has_cost {
            let _ = write!(out, "  {:>10}", "cost $");
        }
        let _ = writeln!(out);
        for l in by_premium(t) {
            let prem = paint(format!("{:>8.3}", l.premium), l.premium);
            let _ = write!(
                out,
                "  {:<lw$}  {}  {:>9.3}  {:>11}  {:>9.3}  {:>9.3}  {:>8.3}",
                l.lang,
                prem,
                l.mean_line_premium,
                thousands(l.tokens),
                l.bytes_per_token,
                l.chars_per_token,
                l.tokens_per_word
            );
            if let Some(c) = l.cost_usd {
                let _ = write!(out, "  {c:>10.4}");
            }
            let _ = writeln!(out);
        }
    }
    out
}

/// The column names of the per-language table, in the order of [`row_cells`]; `cost (USD)`
/// is shown only when a price was given.
const COLUMNS: [&str; 11] = [
    "language",
    "premium",
    "mean line premium",
    "tokens",
    "bytes",
    "chars",
    "words",
    "bytes/token",
    "chars/token",
    "tokens/word",
    "cost (USD)",
];

/// The columns of one tokenizer's per-language table (without the cost column if no price
/// was given).
fn columns(t: &TokenizerReport) -> &'static [&'static str] {
    if t.price_usd_per_million.is_some() {
        &COLUMNS
    } else {
        &COLUMNS[..COLUMNS.len() - 1]
    }
}

/// The cells of one language's row of the per-language table, formatted, in [`COLUMNS`] order
/// (the cost only if there is one). Markdown and HTML both show these.
fn row_cells(l: &LanguageStats) -> Vec<String> {
    let mut cells = vec![
        l.lang.clone(),
        format!("{:.3}", l.premium),
        format!("{:.3}", l.mean_line_premium),
        l.tokens.to_string(),
        l.bytes.to_string(),
        l.chars.to_string(),
        l.words.to_string(),
        format!("{:.3}", l.bytes_per_token),
        format!("{:.3}", l.chars_per_token),
        format!("{:.3}", l.tokens_per_word),
    ];
    if let Some(c) = l.cost_usd {
        cells.push(format!("{c:.4}"));
    }
    cells
}

fn md_table(out: &mut String, t: &TokenizerReport) {
    let cols = columns(t);
    let _ = writeln!(out, "| {} |", cols.join(" | "));
    out.push_str("|---|");
    for _ in 1..cols.len() {
        out.push_str("---:|");
    }
    out.push('\n');
    for l in by_premium(t) {
        let _ = writeln!(out, "| {} |", row_cells(l).join(" | "));
    }
}

/// Markdown: a premium matrix (languages × tokenizers), then the full table per tokenizer.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Token premium vs {}\n", r.pivot);
    let _ = writeln!(
        out,
        "Corpus: {}. Premium = tokens(language) / tokens({}).\n",
        r.corpus, r.pivot
    );
    out.push_str("| language |");
    for t in &r.tokenizers {
        let _ = write!(out, " {} |", t.name);
    }
    out.push_str("\n|---|");
    for _ in &r.tokenizers {
        out.push_str("---:|");
    }
    out.push('\n');
    if let Some(first) = r.tokenizers.first() {
        for l in by_premium(first) {
            let _ = write!(out, "| {} |", l.lang);
            for t in &r.tokenizers {
                let p = t
                    .languages
                    .iter()
                    .find(|x| x.lang == l.lang)
                    .map_or(0.0, |x| x.premium);
                let _ = write!(out, " {p:.3} |");
            }
            out.push('\n');
        }
    }
    out.push_str("| **Gini** |");
    for t in &r.tokenizers {
        let _ = write!(out, " {:.4} |", t.gini);
    }
    out.push('\n');
    for t in &r.tokenizers {
        let _ = writeln!(out, "\n## {} (vocabulary {})\n", t.name, t.vocab_size);
        md_table(&mut out, t);
    }
    out
}

/// JSON, as documented in the README.
pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a report serializes");
    s.push('\n');
    s
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar of [`bar_chart`].
pub(crate) struct Bar {
    /// The label left of the bar.
    pub label: String,
    /// Its length, and the number printed after it.
    pub value: f64,
    /// Its fill colour.
    pub fill: &'static str,
}

/// The colour of a premium's bar: grey for the pivot, red above 1.5, orange above 1, green.
pub(crate) fn premium_fill(premium: f64, is_pivot: bool) -> &'static str {
    if is_pivot {
        "#888"
    } else if premium > 1.5 {
        "#d9534f"
    } else if premium > 1.0 {
        "#f0ad4e"
    } else {
        "#5cb85c"
    }
}

/// A horizontal inline-SVG bar chart: one bar per item in the order given, a grid every
/// `step`, and a dashed reference line at `parity` (labelled "parity") if given.
pub(crate) fn bar_chart(
    bars: &[Bar],
    aria: &str,
    label_w: f64,
    step: f64,
    parity: Option<f64>,
) -> String {
    let (row, top, chart_w) = (18.0, 28.0, 560.0);
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(parity.unwrap_or(step), f64::max);
    let scale_max = (max / step).ceil() * step; // round up to a grid line
    let x = |v: f64| label_w + v / scale_max * chart_w;
    let h = top + row * bars.len() as f64 + 10.0;
    let w = label_w + chart_w + 70.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        esc(aria)
    );
    let mut k = 0.0;
    while k * step <= scale_max + 1e-9 {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2:.1}" stroke="#ddd"/><text x="{0:.1}" y="{3}" text-anchor="middle" class="tick">{4}</text>"##,
            x(k * step),
            top - 6.0,
            h - 10.0,
            top - 10.0,
            tick(k * step, step)
        );
        k += 1.0;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty:.1}" text-anchor="end" class="lang">{label}</text><rect class="bar" x="{x0}" y="{by:.1}" width="{bw:.1}" height="{bh}" fill="{fill}"><title>{label}: {v:.3}</title></rect><text x="{vx:.1}" y="{ty:.1}" class="val">{v:.3}</text>"#,
            lx = label_w - 6.0,
            ty = y + row * 0.72,
            label = esc(&b.label),
            x0 = label_w,
            by = y + 2.0,
            bw = (x(b.value) - label_w).max(0.5),
            bh = row - 4.0,
            fill = b.fill,
            vx = x(b.value) + 4.0,
            v = b.value,
        );
    }
    if let Some(p) = parity {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2:.1}" stroke="#333" stroke-dasharray="4 3"/><text x="{0:.1}" y="{3:.1}" class="tick" text-anchor="middle">parity</text>"##,
            x(p),
            top - 4.0,
            h - 10.0,
            h - 1.0
        );
    }
    s.push_str("</svg>");
    s
}

/// A grid label: one decimal for steps of 0.1 and more, two below.
fn tick(v: f64, step: f64) -> String {
    if step >= 0.1 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// One horizontal bar chart of the premium per language.
fn svg_chart(t: &TokenizerReport, pivot: &str) -> String {
    let bars: Vec<Bar> = by_premium(t)
        .into_iter()
        .map(|l| Bar {
            label: l.lang.clone(),
            value: l.premium,
            fill: premium_fill(l.premium, l.lang == pivot),
        })
        .collect();
    let aria = format!("token premium per language, {}", t.name);
    bar_chart(&bars, &aria, 96.0, 0.5, Some(1.0))
}

/// The style sheet of the HTML pages (inline: the pages use no external file).
pub(crate) const STYLE: &str = "\
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.chart text { font: 11px sans-serif; fill: #222; }
.chart .tick { fill: #777; }
.hi { background: #fbe3e2; } .mid { background: #fdf1dd; } .ok { background: #e3f3e3; }
";

/// A self-contained HTML page: summary, one SVG bar chart per tokenizer, the full tables.
pub fn html(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>fairtok parity report: {corpus}</title>
<style>
{style}</style></head><body>
<h1>Token premium vs {pivot}</h1>
<p>Corpus: <b>{corpus}</b>. Every line is encoded on its own; premium = tokens(language) / tokens({pivot}).
Gini = inequality of the token totals across the languages shown (0 = every language costs the same).</p>
"#,
        corpus = esc(&r.corpus),
        pivot = esc(&r.pivot),
        style = STYLE,
    );
    out.push_str("<h2>Summary</h2>\n<table id=\"summary\"><tr><th>language</th>");
    for t in &r.tokenizers {
        let _ = write!(out, "<th>{}</th>", esc(&t.name));
    }
    out.push_str("</tr>\n");
    if let Some(first) = r.tokenizers.first() {
        for l in by_premium(first) {
            let _ = write!(out, "<tr><td>{}</td>", esc(&l.lang));
            for t in &r.tokenizers {
                let p = t
                    .languages
                    .iter()
                    .find(|x| x.lang == l.lang)
                    .map_or(0.0, |x| x.premium);
                let class = if p > 1.5 {
                    "hi"
                } else if p > 1.0 {
                    "mid"
                } else {
                    "ok"
                };
                let _ = write!(out, "<td class=\"{class}\">{p:.3}</td>");
            }
            out.push_str("</tr>\n");
        }
    }
    out.push_str("<tr><th>Gini</th>");
    for t in &r.tokenizers {
        let _ = write!(out, "<th>{:.4}</th>", t.gini);
    }
    out.push_str("</tr></table>\n");
    for t in &r.tokenizers {
        let _ = write!(
            out,
            "<h2 id=\"{id}\">{name}</h2>\n<p>Vocabulary {vocab}; Gini {gini:.4}; highest premium: {high}.{price}</p>\n",
            id = esc(&t.name),
            name = esc(&t.name),
            vocab = thousands(t.vocab_size as u64),
            gini = t.gini,
            high = esc(&t.highest_premium.join(", ")),
            price = t
                .price_usd_per_million
                .map(|p| format!(" Price: ${p} per million tokens."))
                .unwrap_or_default()
        );
        out.push_str(&svg_chart(t, &r.pivot));
        out.push_str("\n<table><tr>");
        for c in columns(t) {
            let _ = write!(out, "<th>{}</th>", esc(c));
        }
        out.push_str("</tr>\n");
        for l in by_premium(t) {
            out.push_str("<tr>");
            for c in row_cells(l) {
                let _ = write!(out, "<td>{}</td>", esc(&c));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("<p><small>Made by fairtok.</small></p>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::measure;
    use crate::samples::flores_dev;

    #[test]
    fn renderers_show_every_language() {
        let corpus = flores_dev()
            .select(&["kor_Hang".into(), "jpn_Jpan".into()], "eng_Latn")
            .unwrap();
        let tok = fairtok_core::Tokenizer::builtin("o200k_base").unwrap();
        let r = measure(&[tok], &corpus, "eng_Latn", &[2.5], &|_| {}).unwrap();
        let t = table(&r, false);
        let m = markdown(&r);
        let h = html(&r);
        for s in [&t, &m, &h] {
            for lang in ["kor_Hang", "jpn_Jpan", "eng_Latn"] {
                assert!(s.contains(lang), "{s}");
            }
        }
        assert!(h.contains("<svg") && h.contains("<rect") && !h.contains("<script"));
        assert!(!t.contains('\x1b'));
        assert!(table(&r, true).contains("\x1b[31m") || table(&r, true).contains("\x1b[33m"));
        let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(v["tokenizers"][0]["languages"][0]["lang"], "kor_Hang");
        assert!(
            v["tokenizers"][0]["languages"][0]["cost_usd"]
                .as_f64()
                .unwrap()
                > 0.0
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(100), "100");
    }
}
