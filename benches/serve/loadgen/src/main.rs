//! Closed-loop load generator for `benches/serve`: sends a fixed, pre-built list of
//! `POST /v1/count` requests over N keep-alive HTTP/1.1 connections to a **loopback** address,
//! checks every answer (status 200, the expected `tokens`, the tokenizer name) and prints one
//! JSON summary: throughput, latency percentiles, errors, failures.
//!
//! ```text
//! loadgen --addr 127.0.0.1:8080 --texts texts.jsonl --schedule schedule.json \
//!         [--requests 20000] [--connections 64] [--threads 1] [--time-limit 300] \
//!         [--request-timeout 60] [--tokenizer o200k_base]
//! ```
//!
//! * `texts.jsonl`: one `{"text": ..., "tokens": N}` per line (the distinct bodies and their
//!   expected counts); `schedule.json`: a JSON array of indices into it, the order of the
//!   requests (request i sends text `schedule[i % len]`).
//! * Bounded: at most `--requests` requests, and none is started after `--time-limit` seconds;
//!   each request has `--request-timeout`. Any address that is not loopback is refused.
//! * Each connection is one task that takes the next request index from a shared counter, sends
//!   it and waits for the whole answer before the next (closed loop). Latency: from just before
//!   the request is written to the last byte of the answer. A connection that fails is counted
//!   as an error and opened again.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpStream;

#[derive(Deserialize)]
struct Text {
    text: String,
    tokens: u64,
}

struct Job {
    bodies: Vec<Bytes>,
    text_bytes: Vec<u64>,
    expected: Vec<u64>,
    schedule: Vec<usize>,
    tokenizer: String,
    addr: SocketAddr,
    requests: usize,
    deadline: Instant,
    request_timeout: Duration,
    next: AtomicUsize,
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    ok: u64,
    failed: u64,
    errors: u64,
    text_bytes: u64,
    body_bytes: u64,
    statuses: std::collections::BTreeMap<u16, u64>,
    samples: Vec<String>,
    error_samples: Vec<String>,
}

impl Tally {
    /// Keeps the first 10 failed answers.
    fn note(&mut self, what: String) {
        if self.samples.len() < 10 {
            self.samples.push(what);
        }
    }

    /// Keeps the first 10 transport errors.
    fn note_error(&mut self, what: String) {
        if self.error_samples.len() < 10 {
            self.error_samples.push(what);
        }
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen --addr IP:PORT --texts FILE --schedule FILE [--requests N] \
         [--connections N] [--threads N] [--time-limit S] [--request-timeout S] [--tokenizer NAME]"
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut addr, mut texts, mut schedule) = (None, None, None);
    let (mut requests, mut connections, mut threads) = (20_000usize, 64usize, 1usize);
    let (mut time_limit, mut request_timeout) = (300f64, 60f64);
    let mut tokenizer = "o200k_base".to_string();
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--addr" => addr = Some(value),
            "--texts" => texts = Some(value),
            "--schedule" => schedule = Some(value),
            "--requests" => requests = value.parse().unwrap_or_else(|_| usage()),
            "--connections" => connections = value.parse().unwrap_or_else(|_| usage()),
            "--threads" => threads = value.parse().unwrap_or_else(|_| usage()),
            "--time-limit" => time_limit = value.parse().unwrap_or_else(|_| usage()),
            "--request-timeout" => request_timeout = value.parse().unwrap_or_else(|_| usage()),
            "--tokenizer" => tokenizer = value,
            _ => usage(),
        }
    }
    let (Some(addr), Some(texts), Some(schedule)) = (addr, texts, schedule) else { usage() };
    let addr: SocketAddr = addr.parse().unwrap_or_else(|e| {
        eprintln!("loadgen: --addr {addr}: {e} (an IP:PORT on loopback)");
        std::process::exit(2)
    });
    if !addr.ip().is_loopback() {
        eprintln!("loadgen: {addr} is not a loopback address; this tool only targets this machine");
        std::process::exit(2);
    }
    if connections == 0 || threads == 0 {
        usage();
    }

    let mut bodies = Vec::new();
    let mut text_bytes = Vec::new();
    let mut expected = Vec::new();
    let content = std::fs::read_to_string(&texts).expect("read --texts");
    for line in content.lines().filter(|l| !l.trim().is_empty()) {
        let t: Text = serde_json::from_str(line).expect("a {\"text\", \"tokens\"} line");
        let body = serde_json::json!({"tokenizer": tokenizer, "text": t.text});
        bodies.push(Bytes::from(serde_json::to_vec(&body).unwrap()));
        text_bytes.push(t.text.len() as u64);
        expected.push(t.tokens);
    }
    let schedule: Vec<usize> =
        serde_json::from_str(&std::fs::read_to_string(&schedule).expect("read --schedule"))
            .expect("a JSON array of indices");
    assert!(!schedule.is_empty() && schedule.iter().all(|&i| i < bodies.len()));

    let job = Arc::new(Job {
        bodies,
        text_bytes,
        expected,
        schedule,
        tokenizer,
        addr,
        requests,
        deadline: Instant::now() + Duration::from_secs_f64(time_limit),
        request_timeout: Duration::from_secs_f64(request_timeout),
        next: AtomicUsize::new(0),
    });
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()
    }
    .unwrap();

    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let tallies = runtime.block_on(async {
        let handles: Vec<_> =
            (0..connections).map(|_| tokio::spawn(connection(job.clone()))).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    });
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;

    let mut all = Tally::default();
    for t in tallies {
        all.latencies_us.extend(t.latencies_us);
        all.ok += t.ok;
        all.failed += t.failed;
        all.errors += t.errors;
        all.text_bytes += t.text_bytes;
        all.body_bytes += t.body_bytes;
        for (k, v) in t.statuses {
            *all.statuses.entry(k).or_default() += v;
        }
        for s in t.samples {
            all.note(s);
        }
        for s in t.error_samples {
            all.note_error(s);
        }
    }
    all.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        let l = &all.latencies_us;
        if l.is_empty() {
            return 0.0;
        }
        let i = ((p / 100.0) * l.len() as f64).ceil() as usize;
        l[i.clamp(1, l.len()) - 1] as f64 / 1000.0
    };
    let answered = all.latencies_us.len();
    let sent = job.next.load(Ordering::Relaxed).min(job.requests);
    let mean = all.latencies_us.iter().sum::<u64>() as f64 / answered.max(1) as f64 / 1000.0;
    let summary = serde_json::json!({
        "addr": addr.to_string(),
        "connections": connections,
        "client_threads": threads,
        "requests": job.requests,
        "started": sent,
        "not_started": job.requests - sent,
        "answered": answered,
        "ok": all.ok,
        "failed": all.failed,
        "errors": all.errors,
        "statuses": all.statuses,
        "wall_s": wall,
        "req_per_s": all.ok as f64 / wall,
        "text_bytes": all.text_bytes,
        "body_bytes": all.body_bytes,
        "text_mb_per_s": all.text_bytes as f64 / wall / 1e6,
        "body_mb_per_s": all.body_bytes as f64 / wall / 1e6,
        "mean_ms": mean,
        "p50_ms": pct(50.0),
        "p90_ms": pct(90.0),
        "p99_ms": pct(99.0),
        "max_ms": pct(100.0),
        "client_cpu_s": cpu,
        "samples": all.samples,
        "error_samples": all.error_samples,
    });
    println!("{}", serde_json::to_string_pretty(&summary).unwrap());
}

/// User + system CPU seconds of this process (`/proc/self/stat`, clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // After the ')': state is field 0, utime field 11, stime field 12.
    (ticks(11) + ticks(12)) / 100.0
}

type Sender = http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).ok();
    let (sender, conn) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connection(job: Arc<Job>) -> Tally {
    let mut tally = Tally::default();
    let mut sender: Option<Sender> = None;
    let host = job.addr.to_string();
    loop {
        if Instant::now() >= job.deadline {
            break;
        }
        let i = job.next.fetch_add(1, Ordering::Relaxed);
        if i >= job.requests {
            break;
        }
        let k = job.schedule[i % job.schedule.len()];
        let body = job.bodies[k].clone();
        let body_len = body.len() as u64;
        let t0 = Instant::now();
        let result = tokio::time::timeout(job.request_timeout, async {
            if sender.as_ref().is_none_or(|s| s.is_closed()) {
                sender = Some(connect(job.addr).await?);
            }
            let s = sender.as_mut().unwrap();
            s.ready().await.map_err(|e| format!("ready: {e}"))?;
            let req = Request::post("/v1/count")
                .header(hyper::header::HOST, &host)
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(body))
                .unwrap();
            let res = s.send_request(req).await.map_err(|e| format!("send: {e}"))?;
            let status = res.status().as_u16();
            let bytes = res
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, bytes))
        })
        .await;
        let elapsed = t0.elapsed();
        match result {
            Ok(Ok((status, bytes))) => {
                tally.latencies_us.push(elapsed.as_micros() as u64);
                *tally.statuses.entry(status).or_default() += 1;
                let got = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
                let tokens = got.as_ref().and_then(|v| v["tokens"].as_u64());
                let name = got.as_ref().and_then(|v| v["tokenizer"].as_str().map(str::to_owned));
                if status == 200
                    && tokens == Some(job.expected[k])
                    && name.as_deref() == Some(job.tokenizer.as_str())
                {
                    tally.ok += 1;
                    tally.text_bytes += job.text_bytes[k];
                    tally.body_bytes += body_len;
                } else {
                    tally.failed += 1;
                    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
                    tally.note(format!(
                        "request {i} (text {k}, expected {}): status {status}: {shown}",
                        job.expected[k]
                    ));
                }
            }
            Ok(Err(e)) => {
                tally.errors += 1;
                sender = None;
                tally.note_error(format!("request {i} (text {k}): {e}"));
            }
            Err(_) => {
                tally.errors += 1;
                sender = None;
                tally.note_error(format!("request {i} (text {k}): timed out after {elapsed:?}"));
            }
        }
    }
    tally
}
