//! The real server on a free loopback port: every endpoint and every error, with answers
//! checked against the library.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use fairtok_core::Tokenizer;
use fairtok_serve::{Config, Registry, Server};
use serde_json::{json, Value};

/// A running server; stopped (gracefully) when dropped.
struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<fairtok_serve::Result<()>>>,
}

impl Running {
    fn start(config: Config, specs: &[&str]) -> Running {
        let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        let registry = Registry::load(&specs).unwrap();
        let config = Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..config
        };
        let server = Server::bind(config, registry).unwrap();
        let addr = server.local_addr();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            server.run_until(async {
                let _ = rx.await;
            })
        });
        Running {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    fn stop(&mut self) -> fairtok_serve::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.thread.take().map_or(Ok(()), |t| t.join().unwrap())
    }

    /// Sends raw bytes (a whole request) and returns the status and the body.
    fn raw(&self, request: &[u8]) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s.write_all(request).unwrap();
        read_response(&mut s)
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes)
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, bytes) = self.request("POST", path, &[], body.to_string().as_bytes());
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        self.request("GET", path, &[], b"")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn read_response(s: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut all = vec![];
    s.read_to_end(&mut all).unwrap();
    let head_end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head")
        + 4;
    let head = std::str::from_utf8(&all[..head_end]).unwrap();
    let status = head[9..12].parse().unwrap();
    (status, all[head_end..].to_vec())
}

fn error_type(v: &Value) -> &str {
    v["error"]["type"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error: {v}"))
}

const KO: &str = "유엔 사무총장은 기후 변화에 대한 긴급한 조치를 촉구했다. 🙂 <|endoftext|>";

#[test]
fn health_and_tokenizers() {
    let s = Running::start(Config::default(), &["o200k_base", "ko=o200k_ko"]);
    assert_eq!(s.get("/healthz"), (200, br#"{"status":"ok"}"#.to_vec()));
    let (status, body) = s.get("/v1/tokenizers");
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v,
        json!({"tokenizers": [
            {"name": "o200k_base", "vocab_size": 200019, "kind": "tiktoken"},
            {"name": "ko", "vocab_size": Tokenizer::builtin("o200k_ko").unwrap().n_vocab(), "kind": "tiktoken"},
        ]})
    );
    let (status, page) = s.get("/");
    assert_eq!(status, 200);
    assert!(String::from_utf8(page).unwrap().contains("playground"));
}

#[test]
fn counts_equal_the_library() {
    let s = Running::start(
        Config::default(),
        &["o200k_base", "cl100k_base", "o200k_ko"],
    );
    let o200k = Tokenizer::builtin("o200k_base").unwrap();
    let cl100k = Tokenizer::builtin("cl100k_base").unwrap();
    let texts = [KO, "Hello, world!", "", "  \n\n x"];
    let (status, v) = s.post("/v1/count", &json!({"tokenizer": "o200k_base", "text": KO}));
    assert_eq!(status, 200);
    assert_eq!(
        v,
        json!({"tokenizer": "o200k_base", "tokens": o200k.count(KO).unwrap()})
    );
    let (_, v) = s.post(
        "/v1/count",
        &json!({"tokenizer": "cl100k_base", "texts": texts}),
    );
    let want: Vec<usize> = texts.iter().map(|t| cl100k.count(t).unwrap()).collect();
    assert_eq!(v, json!({"tokenizer": "cl100k_base", "tokens": want}));
    let (_, v) = s.post(
        "/v1/count",
        &json!({"tokenizers": ["o200k_base", "cl100k_base"], "text": KO}),
    );
    assert_eq!(
        v,
        json!({"results": [
            {"tokenizer": "o200k_base", "tokens": o200k.count(KO).unwrap()},
            {"tokenizer": "cl100k_base", "tokens": cl100k.count(KO).unwrap()},
        ]})
    );
    let (_, v) = s.post(
        "/v1/count",
        &json!({"tokenizers": ["o200k_ko"], "texts": [KO, KO]}),
    );
    let ko = Tokenizer::builtin("o200k_ko").unwrap().count(KO).unwrap();
    assert!(ko < o200k.count(KO).unwrap());
    assert_eq!(
        v,
        json!({"results": [{"tokenizer": "o200k_ko", "tokens": [ko, ko]}]})
    );
}

#[test]
fn encode_gives_ids_offsets_and_bytes_and_decode_inverts_it() {
    let s = Running::start(Config::default(), &["cl100k_base"]);
    let tok = Tokenizer::builtin("cl100k_base").unwrap();
    let (status, v) = s.post(
        "/v1/encode",
        &json!({"tokenizer": "cl100k_base", "text": KO}),
    );
    assert_eq!(status, 200);
    let ids = tok.encode(KO).unwrap();
    assert_eq!(v["ids"], json!(ids));
    assert_eq!(v["tokens"], json!(ids.len()));
    let offsets: Vec<(usize, usize)> = serde_json::from_value(v["offsets"].clone()).unwrap();
    let mut at = 0;
    for (i, (&(start, end), &id)) in offsets.iter().zip(&ids).enumerate() {
        assert_eq!(start, at);
        assert_eq!(&KO.as_bytes()[start..end], tok.token_bytes(id).unwrap());
        let split = !KO.is_char_boundary(start) || !KO.is_char_boundary(end);
        assert_eq!(v["partial"][i], json!(split));
        let hex: String = tok
            .token_bytes(id)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(v["bytes"][i], json!(hex));
        at = end;
    }
    assert_eq!(at, KO.len());
    // cl100k splits some Korean syllables across tokens.
    assert!(v["partial"].as_array().unwrap().contains(&json!(true)));

    let (status, d) = s.post(
        "/v1/decode",
        &json!({"tokenizer": "cl100k_base", "ids": ids}),
    );
    assert_eq!((status, d), (200, json!({"text": KO})));
    let half = offsets
        .iter()
        .position(|&(st, e)| !KO.is_char_boundary(e) && KO.is_char_boundary(st))
        .unwrap();
    let (status, d) = s.post(
        "/v1/decode",
        &json!({"tokenizer": "cl100k_base", "ids": [ids[half]]}),
    );
    assert_eq!((status, error_type(&d)), (400, "invalid_utf8"));
    let (status, d) = s.post(
        "/v1/decode",
        &json!({"tokenizer": "cl100k_base", "ids": [ids[half]], "lossy": true}),
    );
    assert_eq!(status, 200);
    assert!(d["text"].as_str().unwrap().contains('\u{fffd}'));
    let (status, d) = s.post(
        "/v1/decode",
        &json!({"tokenizer": "cl100k_base", "ids": [100276, 4000000]}),
    );
    assert_eq!((status, error_type(&d)), (400, "unknown_id"));
}

#[test]
fn parity_is_the_library_report() {
    let s = Running::start(Config::default(), &["o200k_base", "o200k_ko"]);
    let en = ["The cat sat on the mat.", "Prices rose by 3% in May."];
    let ko = ["고양이가 매트 위에 앉았다.", "5월에 물가가 3% 올랐다."];
    let (status, body) = s.request(
        "POST",
        "/v1/parity",
        &[],
        // Written out, as `json!` would sort the languages: their order is the request's.
        format!(
            r#"{{"tokenizers": ["o200k_base", "o200k_ko"], "texts": {{"kor_Hang": {}, "eng_Latn": {}}}, "pivot": "eng_Latn", "price": 2.5}}"#,
            json!(ko),
            json!(en)
        )
        .as_bytes(),
    );
    assert_eq!(status, 200);
    let toks = [
        Tokenizer::builtin("o200k_base").unwrap(),
        Tokenizer::builtin("o200k_ko").unwrap(),
    ];
    let corpus = fairtok_eval::corpus::ParallelCorpus::from_lines(
        "request",
        [("kor_Hang", &ko[..]), ("eng_Latn", &en[..])]
            .map(|(l, ls)| (l.to_owned(), ls.iter().map(|s| s.to_string()).collect())),
    )
    .unwrap();
    let report =
        fairtok_eval::metrics::measure(&toks, &corpus, "eng_Latn", &[2.5, 2.5], &|_| {}).unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap(),
        fairtok_eval::render::json(&report)
    );

    let (status, v) = s.post(
        "/v1/parity",
        &json!({"texts": {"eng_Latn": ["a", "b"], "kor_Hang": ["가"]}}),
    );
    assert_eq!((status, error_type(&v)), (400, "invalid_request"));
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line counts differ"));
    let (status, v) = s.post("/v1/parity", &json!({"texts": {"kor_Hang": ["가"]}}));
    assert_eq!(status, 400, "{v}");
    let (status, v) = s.post(
        "/v1/parity",
        &json!({"texts": {"eng_Latn": ["a"]}, "price": -1}),
    );
    assert_eq!(status, 400, "{v}");
}

#[test]
fn every_bad_request_is_a_json_4xx_and_is_counted() {
    let s = Running::start(
        Config {
            max_body: 1000,
            ..Config::default()
        },
        &["o200k_base"],
    );
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "POST",
            "/v1/count",
            b"{\"tokenizer\": ".to_vec(),
            400,
            "invalid_json",
        ),
        ("POST", "/v1/count", b"".to_vec(), 400, "invalid_json"),
        (
            "POST",
            "/v1/count",
            b"[1,2]".to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"tokenizer":"o200k_base"}"#.to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"text":"x"}"#.to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"tokenizer":"o200k_base","txt":"x"}"#.to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"tokenizer":"o200k_base","text":7}"#.to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/count",
            b"{\"tokenizer\":\"o200k_base\",\"text\":\"\xed\xa0\x80\"}".to_vec(),
            400,
            "invalid_utf8",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"tokenizer":"o200k_base","text":"\ud800"}"#.to_vec(),
            400,
            "invalid_json",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"tokenizer":"../../etc/passwd","text":"x"}"#.to_vec(),
            400,
            "unknown_tokenizer",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"tokenizer":"o200k_base","tokenizers":["o200k_base"],"text":"x"}"#.to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/count",
            br#"{"tokenizers":[],"text":"x"}"#.to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/encode",
            br#"{"tokenizer":"o200k_base"}"#.to_vec(),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/decode",
            br#"{"tokenizer":"o200k_base","ids":[-1]}"#.to_vec(),
            400,
            "invalid_request",
        ),
        ("POST", "/v1/count", vec![b'x'; 1001], 413, "body_too_large"),
        ("GET", "/v1/count", vec![], 405, "method_not_allowed"),
        ("POST", "/healthz", vec![], 405, "method_not_allowed"),
        ("GET", "/v2/nothing", vec![], 404, "not_found"),
    ];
    for (method, path, body, status, kind) in &cases {
        let (got, bytes) = s.request(method, path, &[], body);
        let v: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{path}: {bytes:?}"));
        assert_eq!(
            (got, error_type(&v)),
            (*status, *kind),
            "{method} {path} {:?}: {v}",
            String::from_utf8_lossy(body)
        );
    }
    // A chunked body over the limit (no length given in advance).
    let mut chunked = b"POST /v1/count HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(b"200\r\n");
        chunked.extend_from_slice(&[b'a'; 0x200]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, bytes) = s.raw(&chunked);
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!((status, error_type(&v)), (413, "body_too_large"));

    // Good answers are unchanged after all that, and the errors are in /metrics.
    let (status, v) = s.post(
        "/v1/count",
        &json!({"tokenizer": "o200k_base", "text": "hello"}),
    );
    assert_eq!((status, v["tokens"].as_u64()), (200, Some(1)));
    let (_, metrics) = s.get("/metrics");
    let metrics = String::from_utf8(metrics).unwrap();
    let errors: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("fairtok_errors_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(errors, cases.len() as u64 + 1, "{metrics}");
    assert!(
        metrics.contains("fairtok_errors_total{status=\"413\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("fairtok_tokens_counted_total{tokenizer=\"o200k_base\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("fairtok_request_duration_seconds_bucket{"),
        "{metrics}"
    );
}

#[test]
fn the_api_key_guards_everything_but_health_and_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "s3cret\n").unwrap();
    let s = Running::start(
        Config {
            api_key_file: Some(key),
            ..Config::default()
        },
        &["o200k_base"],
    );
    let body = json!({"tokenizer": "o200k_base", "text": "hi"}).to_string();
    let (status, b) = s.request("POST", "/v1/count", &[], body.as_bytes());
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&b));
    let (status, _) = s.request(
        "POST",
        "/v1/count",
        &[("authorization", "Bearer wrong")],
        body.as_bytes(),
    );
    assert_eq!(status, 401);
    let (status, _) = s.request(
        "POST",
        "/v1/count",
        &[("authorization", "Bearer s3cret")],
        body.as_bytes(),
    );
    assert_eq!(status, 200);
    let (status, _) = s.request("GET", "/metrics", &[("x-api-key", "s3cret")], b"");
    assert_eq!(status, 200);
    assert_eq!(s.get("/metrics").0, 401);
    assert_eq!(s.get("/healthz").0, 200);
    assert_eq!(s.get("/").0, 200);

    std::fs::write(dir.path().join("empty"), "\n").unwrap();
    let e = Server::bind(
        Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            api_key_file: Some(dir.path().join("empty")),
            ..Config::default()
        },
        Registry::load(&["o200k_base".into()]).unwrap(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

/// Opens a POST whose body is never finished: it holds its place in the queue.
fn hold(addr: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(
        b"POST /v1/count HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 100\r\n\r\n{",
    )
    .unwrap();
    s
}

#[test]
fn a_full_queue_answers_503_and_frees_its_places() {
    let s = Running::start(
        Config {
            queue: 2,
            ..Config::default()
        },
        &["o200k_base"],
    );
    let a = hold(s.addr);
    let b = hold(s.addr);
    std::thread::sleep(Duration::from_millis(300));
    let (status, v) = s.post(
        "/v1/count",
        &json!({"tokenizer": "o200k_base", "text": "x"}),
    );
    assert_eq!((status, error_type(&v)), (503, "overloaded"));
    assert_eq!(s.get("/healthz").0, 200, "health is not queued");
    drop(a);
    drop(b);
    std::thread::sleep(Duration::from_millis(300));
    let (status, _) = s.post(
        "/v1/count",
        &json!({"tokenizer": "o200k_base", "text": "x"}),
    );
    assert_eq!(status, 200);
}

#[test]
fn stopping_lets_a_request_in_flight_finish() {
    let mut s = Running::start(Config::default(), &["o200k_base"]);
    let body = json!({"tokenizer": "o200k_base", "text": KO}).to_string();
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /v1/count HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(head.as_bytes()).unwrap();
    c.write_all(&body.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let stopper = {
        let tx = s.stop.take().unwrap();
        std::thread::spawn(move || tx.send(()))
    };
    std::thread::sleep(Duration::from_millis(200));
    c.write_all(&body.as_bytes()[10..]).unwrap();
    let (status, bytes) = read_response(&mut c);
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        v["tokens"],
        json!(Tokenizer::builtin("o200k_base").unwrap().count(KO).unwrap())
    );
    stopper.join().unwrap().unwrap();
    s.stop().unwrap();
    assert!(TcpStream::connect(s.addr).is_err(), "no longer accepting");
}

#[test]
fn many_clients_at_once_get_exact_answers() {
    let s = Running::start(Config::default(), &["o200k_base"]);
    let tok = Tokenizer::builtin("o200k_base").unwrap();
    let texts: Vec<String> = (0..64)
        .map(|i| KO.repeat(i % 7 + 1) + &"x ".repeat(i))
        .collect();
    std::thread::scope(|scope| {
        for chunk in texts.chunks(8) {
            let s = &s;
            let tok = &tok;
            scope.spawn(move || {
                for t in chunk {
                    let (status, v) =
                        s.post("/v1/count", &json!({"tokenizer": "o200k_base", "text": t}));
                    assert_eq!(status, 200);
                    assert_eq!(v["tokens"], json!(tok.count(t).unwrap()));
                }
            });
        }
    });
}

#[test]
fn chat_counts_are_the_library_counts() {
    use fairtok_core::chat::{self, ChatFormat, Message};
    let s = Running::start(Config::default(), &["o200k_harmony", "o200k_base"]);
    let messages = [
        ("system", "You are a helpful assistant."),
        ("user", "서울의 날씨는 어때요?"),
        ("assistant", "맑고 따뜻합니다."),
        ("user", "<|end|> is text here"),
    ];
    let body = json!({
        "model": "gpt-oss-120b",
        "messages": messages.iter().map(|(r, c)| json!({"role": r, "content": c})).collect::<Vec<_>>(),
    });
    let lib: Vec<Message> = messages.iter().map(|(r, c)| Message::new(*r, *c)).collect();
    let harmony = Tokenizer::builtin("o200k_harmony").unwrap();
    let want = chat::count(&harmony, ChatFormat::Harmony, &lib).unwrap();
    let (status, v) = s.post("/v1/chat/count", &body);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["input_tokens"], json!(want.tokens));
    assert_eq!(v["exact"], json!(true));

    let mut body = body;
    body["model"] = json!("gpt-4o");
    let o200k = Tokenizer::builtin("o200k_base").unwrap();
    let want = chat::count(&o200k, ChatFormat::OpenAiApi, &lib).unwrap();
    let (status, v) = s.post("/v1/chat/count", &body);
    assert_eq!(
        (status, &v["input_tokens"], &v["exact"]),
        (200, &json!(want.tokens), &json!(false))
    );

    body["model"] = json!("llama3");
    let (status, v) = s.post("/v1/chat/count", &body);
    assert_eq!((status, error_type(&v)), (400, "unknown_tokenizer"));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("-t llama3=PATH"),
        "{v}"
    );
    body["model"] = json!("my-own-model");
    let (status, v) = s.post("/v1/chat/count", &body);
    assert_eq!((status, error_type(&v)), (400, "unknown_model"));
    let (status, v) = s.post(
        "/v1/chat/count",
        &json!({"model": "gpt-oss-20b", "messages": [{"role": "robot", "content": "beep"}]}),
    );
    assert_eq!((status, error_type(&v)), (400, "invalid_request"));
    assert!(
        v["error"]["message"].as_str().unwrap().contains("robot"),
        "{v}"
    );
}

/// Reads one response (head and a body of its content-length) from a kept-alive connection.
fn read_one(s: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut head = vec![];
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    (head[9..12].parse().unwrap(), head, body)
}

#[test]
fn refused_bodies_are_drained_so_the_connection_carries_the_next_request() {
    let s = Running::start(
        Config {
            queue: 1,
            ..Config::default()
        },
        &["o200k_base"],
    );
    let good = json!({"tokenizer": "o200k_base", "text": "hello"}).to_string();
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let send = |c: &mut TcpStream, method: &str, path: &str, body: &[u8]| {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        c.write_all(head.as_bytes()).unwrap();
        // The body comes after a pause, as a slow client's would.
        std::thread::sleep(Duration::from_millis(20));
        c.write_all(body).unwrap();
    };
    let big = vec![b'x'; 200_000];
    for (method, path, status) in [("POST", "/nothing", 404), ("PUT", "/v1/count", 405)] {
        send(&mut c, method, path, &big);
        let (got, head, _) = read_one(&mut c);
        assert_eq!(got, status);
        assert!(!head.contains("connection: close"), "{head}");
        send(&mut c, "POST", "/v1/count", good.as_bytes());
        assert_eq!(read_one(&mut c).0, 200, "after {status}");
    }
    // A full queue: 503, drained, and the connection lives on.
    let held = hold(s.addr);
    std::thread::sleep(Duration::from_millis(200));
    send(&mut c, "POST", "/v1/count", &big);
    let (got, head, body) = read_one(&mut c);
    assert_eq!(got, 503, "{}", String::from_utf8_lossy(&body));
    assert!(!head.contains("connection: close"), "{head}");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    send(&mut c, "POST", "/v1/count", good.as_bytes());
    assert_eq!(read_one(&mut c).0, 200);
    // A body too large to drain: answered, and the connection is closed, saying so.
    let held = hold(s.addr);
    std::thread::sleep(Duration::from_millis(200));
    let mut d = TcpStream::connect(s.addr).unwrap();
    d.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let huge = vec![b'x'; 3 << 20];
    let writer = {
        let mut d = d.try_clone().unwrap();
        std::thread::spawn(move || {
            let head = format!(
                "POST /v1/count HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
                huge.len()
            );
            let _ = d.write_all(head.as_bytes());
            let _ = d.write_all(&huge);
        })
    };
    let (got, head, _) = read_one(&mut d);
    assert_eq!(got, 503);
    assert!(head.contains("connection: close"), "{head}");
    drop(held);
    writer.join().unwrap();
}
