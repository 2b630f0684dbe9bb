//! Starting, routing and stopping: [`Config`], [`Server`], and the layers every request
//! passes (metrics, API key, admission).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::error::{ApiError, Error, Result};
use crate::metrics::Metrics;
use crate::pool::{Admission, Workers};
use crate::registry::Registry;
use crate::{api, auth, body};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen. Default `127.0.0.1:8080`: loopback only, unless told otherwise.
    pub addr: SocketAddr,
    /// The largest request body, in bytes (default 8 MiB); larger ones are answered `413`.
    pub max_body: usize,
    /// A file holding the API key that every route but `/healthz` and `/` then requires.
    pub api_key_file: Option<PathBuf>,
    /// Encoding threads (default: one per core).
    pub threads: usize,
    /// Requests that may be in the server at once (default 256); one more is answered `503`.
    /// Memory held by request bodies is at most `queue × max_body`.
    pub queue: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body: 8 << 20,
            api_key_file: None,
            threads: fairtok_core::threads_cap(usize::MAX),
            queue: 256,
        }
    }
}

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) registry: Registry,
    pub(crate) workers: Workers,
    pub(crate) admission: Arc<Admission>,
    pub(crate) metrics: Metrics,
    pub(crate) max_body: usize,
    api_key: Option<String>,
}

/// A bound server, ready to run.
#[derive(Debug)]
pub struct Server {
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Loads the key, starts the worker threads and binds the address.
    pub fn bind(config: Config, registry: Registry) -> Result<Server> {
        for (setting, v) in [
            ("threads", config.threads),
            ("queue", config.queue),
            ("max_body", config.max_body),
        ] {
            if v == 0 {
                return Err(Error::Setting { setting });
            }
        }
        let api_key = config
            .api_key_file
            .as_deref()
            .map(auth::read_key)
            .transpose()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fairtok-io")
            .enable_all()
            .build()
            .map_err(|e| Error::Runtime(format!("cannot start the I/O runtime: {e}")))?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(config.addr))
            .map_err(|source| Error::Bind {
                addr: config.addr,
                source,
            })?;
        let app = Arc::new(App {
            registry,
            workers: Workers::new(config.threads)?,
            admission: Admission::new(config.queue),
            metrics: Metrics::new(),
            max_body: config.max_body,
            api_key,
        });
        Ok(Server {
            runtime,
            listener,
            app,
        })
    }

    /// The address it listens on (with the port the system chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting and lets the requests in flight
    /// finish.
    pub fn run_until_signal(self) -> Result<()> {
        self.run_until(shutdown_signal())
    }

    /// Serves until `stop` completes, then stops as [`Server::run_until_signal`] does.
    pub fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let Server {
            runtime,
            listener,
            app,
        } = self;
        let router = router(app);
        runtime
            .block_on(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(stop)
                    .await
            })
            .map_err(|e| Error::Runtime(e.to_string()))
    }
}

/// The routes and their layers: metrics outermost (it sees every answer, errors included),
/// then the API key, then admission.
fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(api::playground))
        .route("/index.html", get(api::playground))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/v1/tokenizers", get(api::tokenizers))
        .route("/v1/count", post(api::count))
        .route("/v1/encode", post(api::encode))
        .route("/v1/decode", post(api::decode))
        .route("/v1/parity", post(api::parity))
        .route("/v1/chat/count", post(api::chat_count))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), admit))
        .layer(middleware::from_fn_with_state(app.clone(), authorize))
        .layer(middleware::from_fn_with_state(app.clone(), track))
        .with_state(app)
}

/// Counts the answer and its latency.
async fn track(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = Metrics::route(req.uri().path());
    let response = next.run(req).await;
    app.metrics.record(
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Checks the API key, when one is set.
async fn authorize(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if let Some(key) = &app.api_key {
        if auth::guarded(req.uri().path()) {
            if let Err(e) = auth::check(req.headers(), key) {
                return refuse(req, e).await;
            }
        }
    }
    next.run(req).await
}

/// Takes a place for a request that does work (`POST`), or answers `503`.
async fn admit(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let permit = match app.admission.try_enter() {
        Ok(p) => p,
        Err(e) => return refuse(req, e).await,
    };
    app.metrics.set_in_progress(app.admission.in_progress());
    let response = next.run(req).await;
    drop(permit);
    app.metrics.set_in_progress(app.admission.in_progress());
    response
}

/// Answers `e` to a request whose body is not wanted, after draining it
/// ([`body::drain`]).
pub(crate) async fn refuse(req: Request, e: ApiError) -> Response {
    let drained = body::drain(req.into_body(), body::DRAIN_MAX).await;
    body::closing_unless(drained, e.into_response())
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
