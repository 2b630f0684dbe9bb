//! The Markdown and HTML pages of a [`TaxTable`].

use std::fmt::Write as _;

use super::{bars, premium_cell, shown_spec, TaxTable};
use crate::render::{bar_chart, esc, thousands, STYLE};

/// Where a tokenizer comes from, for a reader: a built-in's name, or a file's name.
fn source(spec: &str) -> String {
    if fairtok_core::builtin::find(spec).is_some() {
        format!("built-in `{spec}`")
    } else {
        format!("`{}`", shown_spec(spec))
    }
}

/// A Markdown table cell: no line break, `|` escaped.
fn md(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

/// HTML for text that may hold `code` spans in backticks (sources, reasons): escaped, with each
/// backtick pair made a `<code>` element.
fn html_code(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// The paragraphs that say what the numbers are and how the page was made, as Markdown (HTML
/// takes the same text through [`html_code`] and `**` → `<b>`).
fn intro(t: &TaxTable) -> Vec<String> {
    let a = &t.about;
    let commit = a
        .commit
        .as_deref()
        .map(|c| format!(" (commit `{c}`)"))
        .unwrap_or_default();
    let mut p = vec![
        format!(
            "What the same text costs in tokens, language by language, under each of {n} tokenizers. \
             The **premium** of a language is its tokens ÷ the tokens of English (`{pivot}`) on the same \
             sentences: {corpus}, {lines} lines in each of {langs} languages, summed over the whole set. \
             Every line is encoded on its own with the tokenizer's default rule (no BOS or EOS token). \
             1.00 costs what English costs; 2.00 twice as much. **Gini** is the Gini coefficient of the \
             {langs} premiums (0: every language costs the same). Rows are sorted by Korean premium, lowest first.",
            n = t.rows.len(),
            pivot = t.pivot,
            corpus = a.corpus,
            lines = thousands(t.lines as u64),
            langs = t.languages,
        ),
        format!(
            "Made with fairtok {}{commit} on {}. Every tokenizer here gives exactly the ids of its reference \
             library (tiktoken, Hugging Face tokenizers, mistral-common, llama.cpp), as fairtok's conformance \
             tests check on their texts and on all of FLORES-200 dev; a format fairtok cannot encode exactly is \
             refused, never approximated.",
            a.version, a.date
        ),
    ];
    if let Some(cmd) = &a.regenerate {
        p.push(format!("To make this page again: `{cmd}`."));
    }
    p
}

/// The share of unknown tokens in Korean from which the Korean premium is flagged.
const UNKNOWN_FLAG: f64 = 0.01;

/// The Korean cell of a row: its premium, with `*` when some of its tokens are the unknown
/// token (see [`notes`]).
fn korean_cell(r: &super::Row) -> String {
    let p = premium_cell(r.korean);
    if r.unknown.as_ref().is_some_and(|u| u.korean >= UNKNOWN_FLAG) {
        p + "*"
    } else {
        p
    }
}

/// The notes under the table, as Markdown: each row's note, and what its unknown tokens mean.
fn notes(t: &TaxTable) -> Vec<(String, String)> {
    let mut out = vec![];
    for r in &t.rows {
        let mut text = r.note.clone().unwrap_or_default();
        if let Some(u) = &r.unknown {
            if !text.is_empty() {
                text.push(' ');
            }
            if u.korean >= UNKNOWN_FLAG {
                let _ = write!(
                    text,
                    "*{:.1}% of its Korean tokens are its unknown token `{}`: what it cannot spell \
                     is lost, so its Korean premium is low because text is dropped, not because \
                     Korean is cheap. ",
                    u.korean * 100.0,
                    u.token
                );
            }
            let _ = write!(
                text,
                "Over all {} languages, {:.1}% of its tokens are `{}`: the languages it cannot \
                 spell look cheaper than they are, in its five highest and its Gini too.",
                t.languages,
                u.all * 100.0,
                u.token
            );
        }
        if !text.is_empty() {
            out.push((r.label.clone(), text));
        }
    }
    out
}

/// The five highest premiums of a row, as text.
fn highest(r: &super::Row) -> String {
    r.highest
        .iter()
        .map(|l| format!("{} {:.2}", l.name, l.premium))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn markdown(t: &TaxTable) -> String {
    let mut out = String::from("# The token tax: what each language costs, per tokenizer\n\n");
    for p in intro(t) {
        let _ = writeln!(out, "{p}\n");
    }
    out.push_str("| # | tokenizer | from | vocabulary | Korean | Japanese | Chinese | five highest premiums | Gini |\n");
    out.push_str("|--:|---|---|--:|--:|--:|--:|---|--:|\n");
    for (i, r) in t.rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.4} |",
            i + 1,
            md(&r.label),
            md(&source(&r.spec)),
            thousands(r.vocab_size as u64),
            korean_cell(r),
            premium_cell(r.japanese),
            premium_cell(r.chinese),
            md(&highest(r)),
            r.gini
        );
    }
    let notes = notes(t);
    if !notes.is_empty() {
        out.push('\n');
        for (label, text) in notes {
            let _ = writeln!(out, "* **{}**: {}", md(&label), text.replace('*', "\\*"));
        }
    }
    if !t.same_vocabulary.is_empty() {
        out.push_str("\n## Same vocabulary as a tokenizer above\n\nThese load, and are not measured again.\n\n");
        out.push_str("| tokenizer | from | vocabulary | same vocabulary as |\n|---|---|--:|---|\n");
        for s in &t.same_vocabulary {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&s.label),
                md(&source(&s.spec)),
                thousands(s.vocab_size as u64),
                md(&s.same_as)
            );
        }
    }
    if !t.refused.is_empty() {
        out.push_str(
            "\n## Not in the table\n\nfairtok does not load these (yet): it refuses a format it cannot \
             encode exactly, with this reason. They join the table when they load.\n\n",
        );
        out.push_str("| tokenizer | from | fairtok's reason |\n|---|---|---|\n");
        for s in &t.refused {
            let same = s
                .same_as
                .as_deref()
                .map(|o| format!(" (same vocabulary as {o})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {}{} | {} | {} |",
                md(&s.label),
                md(&same),
                md(&source(&s.spec)),
                md(&s.reason)
            );
        }
    }
    out
}

/// One paragraph of [`intro`] as HTML.
fn html_paragraph(p: &str) -> String {
    let mut out = String::new();
    for (i, part) in p.split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<b>{}</b>", html_code(part));
        } else {
            out.push_str(&html_code(part));
        }
    }
    out
}

/// The width of the label column of the charts, from the longest label.
fn label_width(t: &TaxTable) -> f64 {
    let chars = t
        .rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(10);
    (chars as f64 * 6.4 + 12.0).clamp(96.0, 380.0)
}

/// The four charts: Korean, Japanese and Chinese premium, and Gini, per tokenizer.
fn charts(t: &TaxTable, out: &mut String) {
    let w = label_width(t);
    let lang = [
        ("Korean", super::KOREAN, 0usize),
        ("Japanese", super::JAPANESE, 1),
        ("Chinese (Simplified)", super::CHINESE, 2),
    ];
    for (name, code, k) in lang {
        let b = bars(t, |r| [r.korean, r.japanese, r.chinese][k], None);
        if b.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<h2 id=\"{code}\">{name} premium (<code>{code}</code>)</h2>"
        );
        out.push_str(&bar_chart(
            &b,
            &format!("{name} token premium per tokenizer"),
            w,
            0.5,
            Some(1.0),
        ));
        out.push('\n');
    }
    out.push_str("<h2 id=\"gini\">Gini coefficient across the languages</h2>\n");
    let b = bars(t, |r| Some(r.gini), Some("#5b7fbf"));
    out.push_str(&bar_chart(
        &b,
        "Gini coefficient per tokenizer",
        w,
        0.05,
        None,
    ));
    out.push('\n');
}

/// The main table, as HTML.
fn html_table(t: &TaxTable, out: &mut String) {
    out.push_str("<table id=\"tax\"><tr><th>#</th><th>tokenizer</th><th>from</th><th>vocabulary</th><th>Korean</th><th>Japanese</th><th>Chinese</th><th>five highest premiums</th><th>Gini</th></tr>\n");
    let class = |p: Option<f64>| match p {
        Some(p) if p > 1.5 => "hi",
        Some(p) if p > 1.0 => "mid",
        Some(_) => "ok",
        None => "",
    };
    for (i, r) in t.rows.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            i + 1,
            esc(&r.label),
            html_code(&source(&r.spec)),
            thousands(r.vocab_size as u64)
        );
        let cells = [
            korean_cell(r),
            premium_cell(r.japanese),
            premium_cell(r.chinese),
        ];
        for (p, c) in [r.korean, r.japanese, r.chinese].into_iter().zip(cells) {
            let _ = write!(out, "<td class=\"{}\">{c}</td>", class(p));
        }
        let top: Vec<String> = r
            .highest
            .iter()
            .map(|l| {
                format!(
                    "<span title=\"{}\">{}</span> {:.2}",
                    esc(&l.code),
                    esc(&l.name),
                    l.premium
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<td class=\"top\">{}</td><td>{:.4}</td></tr>",
            top.join(", "),
            r.gini
        );
    }
    out.push_str("</table>\n");
    let notes = notes(t);
    if !notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for (label, text) in notes {
            let _ = writeln!(out, "<li><b>{}</b>: {}</li>", esc(&label), html_code(&text));
        }
        out.push_str("</ul>\n");
    }
}

/// The sections after the charts: duplicates and refusals.
fn html_lists(t: &TaxTable, out: &mut String) {
    if !t.same_vocabulary.is_empty() {
        out.push_str("<h2 id=\"same\">Same vocabulary as a tokenizer above</h2>\n<p>These load, and are not measured again.</p>\n");
        out.push_str("<table><tr><th>tokenizer</th><th>from</th><th>vocabulary</th><th>same vocabulary as</th></tr>\n");
        for s in &t.same_vocabulary {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.label),
                html_code(&source(&s.spec)),
                thousands(s.vocab_size as u64),
                esc(&s.same_as)
            );
        }
        out.push_str("</table>\n");
    }
    if !t.refused.is_empty() {
        out.push_str("<h2 id=\"refused\">Not in the table</h2>\n<p>fairtok does not load these (yet): it refuses a format it cannot encode exactly, with this reason. They join the table when they load.</p>\n");
        out.push_str("<table><tr><th>tokenizer</th><th>from</th><th>fairtok's reason</th></tr>\n");
        for s in &t.refused {
            let same = s
                .same_as
                .as_deref()
                .map(|o| format!(" (same vocabulary as {})", esc(o)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td>{}{same}</td><td>{}</td><td class=\"why\">{}</td></tr>",
                esc(&s.label),
                html_code(&source(&s.spec)),
                html_code(&s.reason)
            );
        }
        out.push_str("</table>\n");
    }
}

pub(super) fn html(t: &TaxTable) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>The token tax: what each language costs, per tokenizer</title>\n<style>\n{STYLE}\
         td.top, td.why {{ text-align: left; font-size: 13px; }}\n</style></head><body>\n\
         <h1>The token tax: what each language costs, per tokenizer</h1>\n"
    );
    for p in intro(t) {
        let _ = writeln!(out, "<p>{}</p>", html_paragraph(&p));
    }
    html_table(t, &mut out);
    charts(t, &mut out);
    html_lists(t, &mut out);
    out.push_str("<p><small>Made by fairtok.</small></p>\n</body></html>\n");
    out
}
