//! `POST /v1/parity`: [`fairtok_eval::metrics::measure`] over texts sent in the request,
//! answered with exactly the JSON that `fairtok parity --json` writes
//! ([`fairtok_eval::render::json`]).
//!
//! `texts` maps each language to its aligned lines (an array of strings, or one string cut
//! into lines as a file would be). Languages keep the order they have in the request, as
//! `--pair` arguments keep theirs; the report's `corpus` is `request`.

use std::fmt;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use fairtok_eval::corpus::{split_lines, ParallelCorpus};
use fairtok_eval::{metrics, render};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::api::lookup_all;
use crate::body::read_json;
use crate::error::ApiError;
use crate::server::App;

/// One language's text: lines, or one text to cut into lines.
#[derive(Deserialize)]
#[serde(untagged)]
enum Lines {
    Lines(Vec<String>),
    Text(String),
}

/// `texts`, in request order.
struct OrderedTexts(Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for OrderedTexts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OrderedTexts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object mapping each language to its lines")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedTexts, A::Error> {
                let mut out: Vec<(String, Vec<String>)> = vec![];
                while let Some((lang, lines)) = map.next_entry::<String, Lines>()? {
                    if out.iter().any(|(l, _)| *l == lang) {
                        return Err(serde::de::Error::custom(format!(
                            "language {lang:?} is given twice"
                        )));
                    }
                    let lines = match lines {
                        Lines::Lines(l) => l,
                        Lines::Text(t) => split_lines(&t),
                    };
                    out.push((lang, lines));
                }
                Ok(OrderedTexts(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// One price for all tokenizers, or one each.
#[derive(Deserialize)]
#[serde(untagged)]
enum Price {
    One(f64),
    Each(Vec<f64>),
}

/// The body of `POST /v1/parity`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParityRequest {
    /// Default: every served tokenizer.
    tokenizers: Option<Vec<String>>,
    texts: OrderedTexts,
    #[serde(default = "default_pivot")]
    pivot: String,
    price: Option<Price>,
}

fn default_pivot() -> String {
    "eng_Latn".to_owned()
}

/// `POST /v1/parity`.
pub(crate) async fn parity(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let req: ParityRequest = read_json(&headers, body, app.max_body).await?;
    let entries = match &req.tokenizers {
        Some(names) => lookup_all(&app, names)?,
        None => app.registry.entries().to_vec(),
    };
    let bad = |e: fairtok_eval::Error| ApiError::bad_request("invalid_request", e.to_string());
    let prices = match req.price {
        None => vec![],
        Some(Price::One(p)) => vec![p],
        Some(Price::Each(ps)) => ps,
    };
    let prices = metrics::prices_for(&prices, entries.len()).map_err(bad)?;
    let corpus = ParallelCorpus::from_lines("request", req.texts.0).map_err(bad)?;
    corpus.language(&req.pivot).map_err(bad)?;
    let json = app
        .workers
        .run(move || {
            let tokenizers: Vec<_> = entries.iter().map(|e| e.tokenizer.clone()).collect();
            let report = metrics::measure(&tokenizers, &corpus, &req.pivot, &prices, &|_| {})
                .map_err(bad)?;
            Ok(render::json(&report))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}
