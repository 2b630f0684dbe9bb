"""`fairtok serve` under a small mixed load (the fast form of benches/serve's malformed-request
check): 2,000 requests over 8 keep-alive connections, 200 of them malformed (bad JSON, not an
object, missing field, wrong types, invalid UTF-8, unknown tokenizer, over-size body with and
without Content-Length, wrong method, wrong path) at seeded random places among good ones.

* every good answer is 200 with tiktoken's count (`encode_ordinary`, computed here directly);
* every malformed one is a 4xx with `{"error": {"type", "message"}}` (413 for the over-size
  ones), never a 5xx, and the connection-level exceptions are none: no kept-alive connection
  is closed without `Connection: close` (no request had to be sent again);
* the server is alive after, and `/metrics` moved by what was sent (responses per status,
  requests, errors per status, tokens counted);
* SIGTERM stops it with exit status 0.

The server listens on 127.0.0.1 port 0 (a free port the system picks) and says which on its
`listening on http://ADDR` line. Only loopback is contacted.
"""

import json
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "benches" / "serve"))
import serve_checks as sc  # noqa: E402

MAX_BODY = 1 << 20
TOTAL, BAD = 2000, 200


def read_line(proc, timeout):
    """The first stdout line of `proc`, or None after `timeout` seconds."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline, buf = time.monotonic() + timeout, b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            return None
        chunk = proc.stdout.read1(4096)
        if not chunk:
            return None
        buf += chunk
    return buf.split(b"\n", 1)[0].decode()


@pytest.fixture(scope="module")
def server(fairtok_bin):
    proc = subprocess.Popen(
        [fairtok_bin, "serve", "--addr", "127.0.0.1:0", "-t", "o200k_base",
         "--max-body", str(MAX_BODY), "--threads", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        line = read_line(proc, 30)
        if line is None or not line.startswith("listening on http://"):
            proc.kill()
            _, err = proc.communicate(timeout=10)
            pytest.fail(f"fairtok serve did not say where it listens (first line {line!r}); stderr: {err[-2000:]!r}")
        host, port = line.removeprefix("listening on http://").rsplit(":", 1)
        yield proc, host, int(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_mixed_load_with_malformed_requests_then_sigterm(server, tiktoken):
    proc, host, port = server
    enc = tiktoken.get_encoding("o200k_base")
    # 60 Korean and English texts of 10 B to 20 KB (plus the fixed ones: special tokens written
    # in the text are text).
    texts = [t for _, t in sc.make_texts(SHARED, 60, seed=11, max_bytes=20_000)]
    expected = [len(enc.encode_ordinary(t)) for t in texts]

    before = sc.parse_metrics(_get(host, port, "/metrics"))
    report = sc.mixed_run(host, port, texts, expected, TOTAL, BAD, MAX_BODY)
    assert report["problems"] == [], report["problems"][:20]
    assert report["good"] == TOTAL - BAD and report["bad"] == BAD
    # A kept-alive connection is never dropped without `Connection: close`: a refused body is
    # drained first (a 404 or 405 with a body once cost the client its next request).
    assert report["retries"] == 0, report["retries"]
    assert set(report["by_kind"]) == set(sc.BAD_KINDS) | {"good"}
    assert proc.poll() is None, "fairtok serve died"

    # Still answering, and the counters add up.
    c = sc.Client(host, port)
    status, _, data = sc.post_count(c, "o200k_base", texts[0])
    c.close()
    assert status == 200 and json.loads(data)["tokens"] == expected[0]
    after = sc.parse_metrics(_get(host, port, "/metrics"))
    m = sc.metrics_delta_check(before, after, report, extra_ok=[expected[0]])
    assert m["problems"] == [], m

    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("fairtok serve still running 10 s after SIGTERM")
    assert code == 0, f"exit status {code} after SIGTERM; stderr: {proc.stderr.read()[-2000:]!r}"


def _get(host, port, path):
    c = sc.Client(host, port)
    status, _, data = c.request("GET", path)
    c.close()
    assert status == 200, (path, status, data[:200])
    return data.decode()
