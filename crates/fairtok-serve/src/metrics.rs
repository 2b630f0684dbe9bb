//! `GET /metrics`: what the server did, in the Prometheus/OpenMetrics text format.
//!
//! * `fairtok_requests_total{route}`: requests per route (unknown paths are `other`, so a
//!   client cannot grow the label set).
//! * `fairtok_responses_total{route,status}`: answers per route and HTTP status;
//!   `fairtok_errors_total{status}`: the answers of status 400 and above.
//! * `fairtok_request_duration_seconds{route}`: a latency histogram, 100 µs to 13 s.
//! * `fairtok_tokens_counted_total{tokenizer}`: tokens counted or encoded.
//! * `fairtok_requests_in_progress`: requests that hold a place (see [`crate::Config::queue`]).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The routes, as labels.
const ROUTES: &[&str] = &[
    "/",
    "/healthz",
    "/metrics",
    "/v1/tokenizers",
    "/v1/count",
    "/v1/encode",
    "/v1/decode",
    "/v1/parity",
    "/v1/chat/count",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResponseLabel {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenizerLabel {
    tokenizer: String,
}

/// The server's counters.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabel, Counter>,
    responses: Family<ResponseLabel, Counter>,
    errors: Family<StatusLabel, Counter>,
    latency: Family<RouteLabel, Histogram>,
    tokens: Family<TokenizerLabel, Counter>,
    in_progress: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty counters.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RouteLabel, Counter>::default();
        let responses = Family::<ResponseLabel, Counter>::default();
        let errors = Family::<StatusLabel, Counter>::default();
        let latency = Family::<RouteLabel, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.0001, 2.0, 18))) as fn() -> Histogram,
        );
        let tokens = Family::<TokenizerLabel, Counter>::default();
        let in_progress = Gauge::default();
        registry.register("fairtok_requests", "Requests, per route", requests.clone());
        registry.register(
            "fairtok_responses",
            "Answers, per route and HTTP status",
            responses.clone(),
        );
        registry.register(
            "fairtok_errors",
            "Error answers (status 400 and above), per status",
            errors.clone(),
        );
        registry.register(
            "fairtok_request_duration_seconds",
            "Time from the request's head to its answer, per route",
            latency.clone(),
        );
        registry.register(
            "fairtok_tokens_counted",
            "Tokens counted or encoded, per tokenizer",
            tokens.clone(),
        );
        registry.register(
            "fairtok_requests_in_progress",
            "Requests that hold a place in the server's queue",
            in_progress.clone(),
        );
        Metrics {
            registry,
            requests,
            responses,
            errors,
            latency,
            tokens,
            in_progress,
        }
    }

    /// The label of a request path.
    pub fn route(path: &str) -> &'static str {
        ROUTES
            .iter()
            .find(|&&r| r == path)
            .copied()
            .unwrap_or("other")
    }

    /// Records one answer.
    pub fn record(&self, route: &'static str, status: u16, seconds: f64) {
        self.requests.get_or_create(&RouteLabel { route }).inc();
        self.responses
            .get_or_create(&ResponseLabel { route, status })
            .inc();
        if status >= 400 {
            self.errors.get_or_create(&StatusLabel { status }).inc();
        }
        self.latency
            .get_or_create(&RouteLabel { route })
            .observe(seconds);
    }

    /// Adds tokens counted with `tokenizer` (a served name, so the label set is bounded).
    pub fn add_tokens(&self, tokenizer: &str, n: u64) {
        self.tokens
            .get_or_create(&TokenizerLabel {
                tokenizer: tokenizer.to_owned(),
            })
            .inc_by(n);
    }

    /// Sets the number of requests in progress.
    pub fn set_in_progress(&self, n: usize) {
        self.in_progress.set(n as i64);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_counted_by_route_and_status() {
        let m = Metrics::new();
        m.record(Metrics::route("/v1/count"), 200, 0.001);
        m.record(Metrics::route("/v1/count"), 400, 0.001);
        m.record(Metrics::route("/../etc/passwd"), 404, 0.001);
        m.add_tokens("o200k_base", 12);
        let text = m.render();
        assert!(
            text.contains("fairtok_requests_total{route=\"/v1/count\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("fairtok_errors_total{status=\"400\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("fairtok_requests_total{route=\"other\"} 1"),
            "{text}"
        );
        assert!(text.contains("fairtok_tokens_counted_total{tokenizer=\"o200k_base\"} 12"));
        assert!(!text.contains("passwd"));
    }
}
