//! Parity metrics, the way the literature measures them (Petrov et al. 2023, "Language Model
//! Tokenizers Introduce Unfairness Between Languages").
//!
//! Every line of every language is encoded on its own, with the tokenizer's default rule
//! (tiktoken's `encode_ordinary`, or Hugging Face's `encode(add_special_tokens=False)`). Then,
//! per tokenizer and language:
//!
//! * **premium** = tokens(lang) / tokens(pivot), over the whole corpus (a pivot with 0 tokens
//!   is an [`crate::Error::EmptyPivot`]);
//! * **mean line premium** = the mean over lines of tokens_i(lang) / tokens_i(pivot), over the
//!   lines whose pivot has at least one token;
//! * **bytes / token**, **characters / token** (Unicode scalar values), **tokens / word**
//!   (whitespace-separated words; large for scripts written without spaces);
//! * **cost**, given a price per million tokens: what the corpus costs in that language.
//!
//! Per tokenizer, the **Gini coefficient** of the token totals across the chosen languages
//! (pivot included): `G = Σ_i Σ_j |x_i − x_j| / (2 n² x̄)`; 0 when every language costs the same,
//! approaching 1 when one language takes everything.

use std::borrow::Borrow;

use rayon::prelude::*;
use serde::Serialize;

use fairtok_core::Tokenizer;

use crate::corpus::ParallelCorpus;
use crate::error::{Error, Result};

/// Per-language results of one tokenizer.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageStats {
    /// Language code.
    pub lang: String,
    /// Lines (the same for every language).
    pub lines: usize,
    /// Total tokens over all lines.
    pub tokens: u64,
    /// Total UTF-8 bytes (line terminators excluded).
    pub bytes: u64,
    /// Total characters (Unicode scalar values).
    pub chars: u64,
    /// Total whitespace-separated words.
    pub words: u64,
    /// tokens / tokens of the pivot.
    pub premium: f64,
    /// Mean over lines of the per-line premium.
    pub mean_line_premium: f64,
    /// bytes / tokens.
    pub bytes_per_token: f64,
    /// chars / tokens.
    pub chars_per_token: f64,
    /// tokens / words.
    pub tokens_per_word: f64,
    /// tokens × price / 10⁶, when a price was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

/// Results of one tokenizer.
#[derive(Debug, Clone, Serialize)]
pub struct TokenizerReport {
    /// The tokenizer's name.
    pub name: String,
    /// One past its largest id.
    pub vocab_size: usize,
    /// Gini coefficient of the token totals across languages.
    pub gini: f64,
    /// Up to three non-pivot languages with the highest premium, highest first.
    pub highest_premium: Vec<String>,
    /// The price used for costs, USD per million tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_usd_per_million: Option<f64>,
    /// Per language, in corpus order.
    pub languages: Vec<LanguageStats>,
}

/// A parity report: every tokenizer over one parallel corpus.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The pivot language.
    pub pivot: String,
    /// The corpus name.
    pub corpus: String,
    /// Per tokenizer, in the order given.
    pub tokenizers: Vec<TokenizerReport>,
}

/// Gini coefficient of non-negative values.
pub fn gini(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let sum: f64 = xs.iter().sum();
    if xs.len() < 2 || sum == 0.0 {
        return 0.0;
    }
    // Sorted form of Σ_i Σ_j |x_i − x_j| / (2 n² mean), in O(n log n).
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let weighted: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x)
        .sum();
    weighted / (n * sum)
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The price of each of `n` tokenizers from the prices given (USD per million tokens): none,
/// one for all, or one each. Every price must be a finite number, zero or more.
pub fn prices_for(prices: &[f64], n: usize) -> Result<Vec<f64>> {
    if let Some(p) = prices.iter().find(|p| !(p.is_finite() && **p >= 0.0)) {
        return Err(Error::Price(format!(
            "{p} is not a price: give a finite number of USD per million tokens, zero or more"
        )));
    }
    match prices.len() {
        0 => Ok(vec![]),
        1 => Ok(vec![prices[0]; n]),
        k if k == n => Ok(prices.to_vec()),
        k => Err(Error::Price(format!(
            "{k} prices for {n} tokenizers: give one price, or one per tokenizer"
        ))),
    }
}

/// Measures every tokenizer on `corpus` against `pivot`. `prices` is empty, or one price per
/// tokenizer. `progress(lines)` is called as lines are encoded (from several threads).
///
/// The tokenizers may be owned or borrowed (`&[Tokenizer]` or `&[&Tokenizer]`). The lines are
/// encoded on a rayon pool of one thread per core (the caller's pool, if it runs on one;
/// the calling thread alone if the system refuses threads: `fairtok_core::task::on_pool`).
pub fn measure<T: Borrow<Tokenizer> + Sync>(
    tokenizers: &[T],
    corpus: &ParallelCorpus,
    pivot: &str,
    prices: &[f64],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Report> {
    fairtok_core::task::on_pool(0, || {
        measure_on_pool(tokenizers, corpus, pivot, prices, progress)
    })
}

/// [`measure`], on the rayon pool at hand.
fn measure_on_pool<T: Borrow<Tokenizer> + Sync>(
    tokenizers: &[T],
    corpus: &ParallelCorpus,
    pivot: &str,
    prices: &[f64],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Report> {
    if !prices.is_empty() && prices.len() != tokenizers.len() {
        return Err(Error::Price(format!(
            "{} prices for {} tokenizers: give one price, or one per tokenizer",
            prices.len(),
            tokenizers.len()
        )));
    }
    let pivot_idx = corpus
        .languages
        .iter()
        .position(|l| l.code == pivot)
        .ok_or_else(|| corpus.language(pivot).unwrap_err())?;
    let mut reports = vec![];
    for (ti, tok) in tokenizers.iter().enumerate() {
        let tok: &Tokenizer = tok.borrow();
        // Token count of every line of every language, in parallel over all lines.
        let counts: Vec<Vec<u64>> = corpus
            .languages
            .iter()
            .map(|lang| {
                let r = lang
                    .lines
                    .par_iter()
                    .enumerate()
                    .map(|(i, line)| {
                        tok.encode(line)
                            .map(|ids| ids.len() as u64)
                            .map_err(|source| Error::Encode {
                                tokenizer: tok.name().to_owned(),
                                lang: lang.code.clone(),
                                line: i + 1,
                                source: Box::new(source),
                            })
                    })
                    .collect::<Result<Vec<u64>>>();
                progress(lang.lines.len() as u64);
                r
            })
            .collect::<Result<_>>()?;
        let pivot_counts = &counts[pivot_idx];
        let pivot_total: u64 = pivot_counts.iter().sum();
        if pivot_total == 0 {
            return Err(Error::EmptyPivot {
                pivot: pivot.to_owned(),
                tokenizer: tok.name().to_owned(),
            });
        }
        let price = prices.get(ti).copied();
        let mut languages = vec![];
        for (lang, lc) in corpus.languages.iter().zip(&counts) {
            let tokens: u64 = lc.iter().sum();
            let bytes: u64 = lang.lines.iter().map(|l| l.len() as u64).sum();
            let chars: u64 = lang.lines.iter().map(|l| l.chars().count() as u64).sum();
            let words: u64 = lang
                .lines
                .iter()
                .map(|l| l.split_whitespace().count() as u64)
                .sum();
            let per_line: Vec<f64> = lc
                .iter()
                .zip(pivot_counts)
                .filter(|(_, &p)| p > 0)
                .map(|(&t, &p)| t as f64 / p as f64)
                .collect();
            languages.push(LanguageStats {
                lang: lang.code.clone(),
                lines: lang.lines.len(),
                tokens,
                bytes,
                chars,
                words,
                premium: ratio(tokens, pivot_total),
                mean_line_premium: if per_line.is_empty() {
                    0.0
                } else {
                    per_line.iter().sum::<f64>() / per_line.len() as f64
                },
                bytes_per_token: ratio(bytes, tokens),
                chars_per_token: ratio(chars, tokens),
                tokens_per_word: ratio(tokens, words),
                cost_usd: price.map(|p| tokens as f64 * p / 1e6),
            });
        }
        let totals: Vec<f64> = languages.iter().map(|l| l.tokens as f64).collect();
        let mut ranked: Vec<&LanguageStats> =
            languages.iter().filter(|l| l.lang != pivot).collect();
        ranked.sort_by(|a, b| b.premium.total_cmp(&a.premium).then(a.lang.cmp(&b.lang)));
        reports.push(TokenizerReport {
            name: tok.name().to_owned(),
            vocab_size: tok.n_vocab(),
            gini: gini(&totals),
            highest_premium: ranked.iter().take(3).map(|l| l.lang.clone()).collect(),
            price_usd_per_million: price,
            languages,
        });
    }
    Ok(Report {
        pivot: pivot.to_owned(),
        corpus: corpus.name.clone(),
        tokenizers: reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_values() {
        assert_eq!(gini(&[5.0, 5.0, 5.0]), 0.0);
        assert!((gini(&[0.0, 0.0, 0.0, 10.0]) - 0.75).abs() < 1e-12);
        // Pairwise definition, by hand: |1-3| * 2 / (2 * 4 * 2) = 0.25
        assert!((gini(&[1.0, 3.0]) - 0.25).abs() < 1e-12);
        assert_eq!(gini(&[7.0]), 0.0);
    }

    #[test]
    fn a_pivot_without_tokens_is_an_error_naming_it() {
        let corpus = ParallelCorpus::from_texts(
            "t",
            [
                ("eng".to_string(), "\n\n".to_string()),
                ("kor".to_string(), "안녕하세요\n안녕\n".to_string()),
            ],
        )
        .unwrap();
        let tok = Tokenizer::builtin("cl100k_base").unwrap();
        let e = measure(std::slice::from_ref(&tok), &corpus, "eng", &[], &|_| {}).unwrap_err();
        assert!(
            matches!(&e, Error::EmptyPivot { pivot, .. } if pivot == "eng"),
            "{e}"
        );
        assert!(e.to_string().contains("pivot `eng` has 0 tokens"), "{e}");
    }

    #[test]
    fn premium_of_a_tiny_corpus() {
        let corpus = ParallelCorpus::from_texts(
            "t",
            [
                ("eng".to_string(), "hello world\nhi\n".to_string()),
                ("kor".to_string(), "안녕하세요 세계\n안녕\n".to_string()),
            ],
        )
        .unwrap();
        let tok = Tokenizer::builtin("cl100k_base").unwrap();
        let r = measure(std::slice::from_ref(&tok), &corpus, "eng", &[2.0], &|_| {}).unwrap();
        let t = &r.tokenizers[0];
        let count = |s: &str| tok.encode(s).unwrap().len() as u64;
        let eng = count("hello world") + count("hi");
        let kor = count("안녕하세요 세계") + count("안녕");
        assert_eq!(t.languages[0].tokens, eng);
        assert_eq!(t.languages[1].tokens, kor);
        assert_eq!(t.languages[1].premium, kor as f64 / eng as f64);
        let mlp = (count("안녕하세요 세계") as f64 / count("hello world") as f64
            + count("안녕") as f64 / count("hi") as f64)
            / 2.0;
        assert!((t.languages[1].mean_line_premium - mlp).abs() < 1e-12);
        assert_eq!(t.languages[1].words, 3);
        assert_eq!(t.languages[1].chars, 10);
        assert_eq!(t.languages[1].cost_usd, Some(kor as f64 * 2.0 / 1e6));
        assert_eq!(t.highest_premium, ["kor"]);
        let e = measure(&[tok], &corpus, "deu", &[], &|_| {}).unwrap_err();
        assert!(e.to_string().starts_with("unknown language `deu`"));
    }
}
