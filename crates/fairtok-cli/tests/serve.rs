//! `fairtok serve` as a process: it says where it listens, answers `/v1/parity` with exactly
//! what `fairtok parity --json` writes, refuses bad settings with one line, and exits 0 on
//! SIGTERM.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::Value;

/// Starts `fairtok serve ARGS --addr 127.0.0.1:0` and returns it with its address.
fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairtok"))
        .arg("serve")
        .args(args)
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    (child, addr)
}

/// POSTs `body` and returns the response body (the status must be 200).
fn post(addr: &str, path: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{body}");
    body.to_owned()
}

fn sigterm(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    child.wait().unwrap()
}

#[test]
fn parity_over_http_is_what_parity_json_writes_and_sigterm_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let en = ["The committee met on Monday.", "Rain is expected in Seoul."];
    let ko = [
        "위원회는 월요일에 만났다.",
        "서울에는 비가 올 것으로 보인다.",
    ];
    let en_file = write(dir.path(), "en.txt", en.join("\n") + "\n");
    let ko_file = write(dir.path(), "ko.txt", ko.join("\n") + "\n");
    let cli = ok(&[
        "parity",
        "-t",
        "o200k_base,o200k_ko",
        "--pair",
        &format!("kor_Hang={}", s(&ko_file)),
        "--pair",
        &format!("eng_Latn={}", s(&en_file)),
        "--price",
        "2.5,1",
        "--json",
        "-",
    ]);
    let (mut server, addr) = start(&["-t", "o200k_base,o200k_ko"]);
    let body = format!(
        r#"{{"tokenizers":["o200k_base","o200k_ko"],"texts":{{"kor_Hang":{},"eng_Latn":{}}},"price":[2.5,1]}}"#,
        serde_json::to_string(&ko).unwrap(),
        serde_json::to_string(&en).unwrap()
    );
    let served = post(&addr, "/v1/parity", &body);
    // The same bytes but for the corpus's name (the files, or "request").
    let name: Value = serde_json::from_str::<Value>(&cli).unwrap()["corpus"].clone();
    let want = cli.replacen(&format!("\"corpus\": {name}"), "\"corpus\": \"request\"", 1);
    assert!(want != cli);
    assert_eq!(served, want);
    let status = sigterm(&mut server);
    assert!(status.success(), "{status:?}");
}

#[test]
fn named_files_are_served_under_their_names() {
    let vocab = shared().join("data/vocab/llama3.tokenizer.json");
    if !vocab.exists() {
        eprintln!("skipped: {} is absent", vocab.display());
        return;
    }
    let spec = format!("llama3={}", vocab.display());
    let (mut server, addr) = start(&["-t", &spec]);
    let answer: Value = serde_json::from_str(&post(
        &addr,
        "/v1/count",
        r#"{"tokenizer":"llama3","text":"안녕하세요"}"#,
    ))
    .unwrap();
    let ids = ok_with(&["encode", "-t", s(&vocab)], "안녕하세요".as_bytes());
    assert_eq!(
        answer["tokens"].as_u64().unwrap() as usize,
        ids.split_whitespace().count()
    );
    assert!(sigterm(&mut server).success());
}

#[test]
fn bad_settings_are_one_line_errors() {
    let e = fails(&["serve", "--addr", "127.0.0.1:0", "--threads", "0"]);
    assert!(e.contains("--threads must be at least 1"), "{e}");
    let e = fails(&["serve", "--addr", "127.0.0.1:0", "--queue", "0"]);
    assert!(e.contains("--queue must be at least 1"), "{e}");
    let e = fails(&["serve", "--addr", "127.0.0.1:0", "-t", "no_such_tokenizer"]);
    assert!(e.contains("tokenizer no_such_tokenizer"), "{e}");
    let e = fails(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--api-key-file",
        "/no/such/key",
    ]);
    assert!(e.contains("/no/such/key"), "{e}");
    // An address in use.
    let (mut server, addr) = start(&["-t", "r50k_base"]);
    let e = fails(&["serve", "--addr", &addr, "-t", "r50k_base"]);
    assert!(e.contains(&format!("cannot listen on {addr}")), "{e}");
    assert!(sigterm(&mut server).success());
}
