"""Shared pieces of the `fairtok serve` load test (benches/serve/bench.py and
tests/python/test_serve_load.py): the seeded text mix, a small keep-alive HTTP client for
loopback, the correctness check of every distinct text, and the malformed-request check.

Only loopback addresses are ever contacted (`Client` refuses any other host).
"""

import gzip
import http.client
import ipaddress
import json
import math
import random
import socket
import threading
import time
from pathlib import Path

# Korean and English sources in $FAIRTOK_SHARED/data/corpus, and how many bytes of each are read
# (decompressed): the mix is drawn from these, so it does not change while the files do not.
SOURCES = {
    "ko": [("ko.kowiki.txt.gz", 8 << 20), ("ko.petitions.txt.gz", 4 << 20), ("ko.klue-dev.txt", 1 << 20)],
    "en": [("en.wikitext2.txt", 3 << 20), ("en.gutenberg.txt.gz", 8 << 20), ("en.debian-docs.txt", 1 << 20)],
}

# Texts always in the mix: special tokens written in the text are text (encode_ordinary).
FIXED_TEXTS = [
    "hello <|endoftext|> world",
    "<|endofprompt|>",
    "안녕하세요<|endoftext|>세계",
    "a",
    " ",
    "\n\n\n",
    "🙂 emoji, ZWJ: 👩‍👩‍👧 and combining: e\u0301",
]


def read_sources(shared):
    """{"ko": bytes, "en": bytes}: the first bytes of each source file, joined by newlines, cut
    at a line end."""
    corpus = Path(shared) / "data" / "corpus"
    out = {}
    for lang, files in SOURCES.items():
        parts = []
        for name, limit in files:
            p = corpus / name
            with (gzip.open(p) if name.endswith(".gz") else open(p, "rb")) as f:
                data = f.read(limit)
            parts.append(data[: data.rfind(b"\n") + 1])
        out[lang] = b"".join(parts)
    return out


def _char_start(data, i):
    while i < len(data) and (data[i] & 0xC0) == 0x80:
        i += 1
    return i


def make_texts(shared, n, seed=20261130, min_bytes=10, max_bytes=100_000):
    """`n` texts (FIXED_TEXTS first): each Korean or English with probability 1/2, its size in
    UTF-8 bytes log-uniform in [min_bytes, max_bytes], cut from a random place in that language's
    sources at character boundaries. Returns [(lang, text)]."""
    rng = random.Random(seed)
    sources = read_sources(shared)
    out = [("fixed", t) for t in FIXED_TEXTS[:n]]
    lo, hi = math.log(min_bytes), math.log(max_bytes)
    while len(out) < n:
        lang = "ko" if rng.random() < 0.5 else "en"
        data = sources[lang]
        size = int(round(math.exp(rng.uniform(lo, hi))))
        start = _char_start(data, rng.randrange(0, len(data) - size - 8))
        end = _char_start(data, start + size)
        out.append((lang, data[start:end].decode("utf-8")))
    return out


def schedule(n_texts, n_requests, seed=20261130):
    """The request order: every text index equally often (n_requests / n_texts times, the rest
    from the start), shuffled with a fixed seed."""
    order = [i % n_texts for i in range(n_requests)]
    random.Random(seed + 1).shuffle(order)
    return order


def check_loopback(host):
    ip = ipaddress.ip_address(socket.gethostbyname(host))
    if not ip.is_loopback:
        raise ValueError(f"{host} is not a loopback address; the load test only targets this machine")


class Client:
    """One keep-alive HTTP/1.1 connection to a loopback server (http.client), opened again
    when the server closes it."""

    def __init__(self, host, port, timeout=60):
        check_loopback(host)
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict lower-cased, body bytes). A request on a reused connection that
        the server had closed is sent once more on a new connection (`self.retries` counts)."""
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                res = self.conn.getresponse()
                data = res.read()
                hdrs = {k.lower(): v for k, v in res.getheaders()}
                if res.will_close:
                    self.close()
                return res.status, hdrs, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if fresh or attempt == 1:
                    raise
                Client.retries += 1
        raise AssertionError("unreachable")

    retries = 0


def raw_request(host, port, method, path, body, headers, timeout=60):
    """One request on its own connection (`Connection: close`), for the over-size bodies: the
    server may answer and close before it has read the whole body, so an error while sending is
    not fatal; the answer is read after it. `body`: bytes, or a list of chunks sent chunked."""
    check_loopback(host)
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if isinstance(body, list):
            head.append("Transfer-Encoding: chunked")
            payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in body) + b"0\r\n\r\n"
        else:
            head.append(f"Content-Length: {len(body)}")
            payload = body
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            sock.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        res = http.client.HTTPResponse(sock)
        res.begin()
        data = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data
    finally:
        sock.close()


def count_body(tokenizer, text):
    return json.dumps({"tokenizer": tokenizer, "text": text}, ensure_ascii=False).encode("utf-8")


def post_count(client, tokenizer, text):
    return client.request(
        "POST", "/v1/count", count_body(tokenizer, text), {"content-type": "application/json"}
    )


def check_counts(host, port, texts, expected, tokenizer="o200k_base", threads=4):
    """POST every text once; returns the list of mismatches [(index, expected, got)] (empty
    when every answer is 200 with the expected count)."""
    bad, lock, it = [], threading.Lock(), iter(range(len(texts)))

    def work():
        c = Client(host, port)
        while True:
            with lock:
                i = next(it, None)
            if i is None:
                break
            status, _, data = post_count(c, tokenizer, texts[i])
            got = json.loads(data).get("tokens") if status == 200 else (status, data[:200])
            if got != expected[i]:
                with lock:
                    bad.append((i, expected[i], got))
        c.close()

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sorted(bad)


# -- malformed requests ----------------------------------------------------------------------

BAD_KINDS = [
    "bad_json",
    "not_object",
    "missing_field",
    "wrong_type",
    "invalid_utf8",
    "unknown_tokenizer",
    "over_size",
    "over_size_chunked",
    "wrong_method",
    "wrong_path",
]


def bad_request(kind, rng, tokenizer, max_body):
    """(method, path, body, headers) of one malformed request of `kind`."""
    j = {"content-type": "application/json"}
    ok_text = rng.choice(["hello", "안녕하세요", "x" * 50])
    if kind == "bad_json":
        body = rng.choice(
            [
                b"",
                b"{",
                b"not json",
                b'{"tokenizer": "%s", "text": "abc"' % tokenizer.encode(),
                b'{"tokenizer": "%s", "text": "abc"} trailing' % tokenizer.encode(),
                b'{"tokenizer": "%s" "text": "abc"}' % tokenizer.encode(),
                b"{'tokenizer': 'o200k_base', 'text': 'abc'}",
                b'{"tokenizer": "%s", "text": "bad escape \\x41"}' % tokenizer.encode(),
                b"\x00\x01\x02",
            ]
        )
        return "POST", "/v1/count", body, j
    if kind == "not_object":
        return "POST", "/v1/count", rng.choice([b"[]", b'"text"', b"123", b"null", b"true"]), j
    if kind == "missing_field":
        obj = rng.choice([{}, {"text": ok_text}, {"tokenizer": tokenizer}, {"txt": ok_text, "tokenizer": tokenizer}])
        return "POST", "/v1/count", json.dumps(obj).encode(), j
    if kind == "wrong_type":
        obj = rng.choice(
            [
                {"tokenizer": tokenizer, "text": 123},
                {"tokenizer": tokenizer, "text": None},
                {"tokenizer": tokenizer, "text": ["a", "b"]},
                {"tokenizer": tokenizer, "text": {"a": 1}},
                {"tokenizer": 5, "text": ok_text},
                {"tokenizer": None, "text": ok_text},
                {"tokenizer": [tokenizer], "text": ok_text},
                {"tokenizer": True, "text": ok_text},
            ]
        )
        return "POST", "/v1/count", json.dumps(obj).encode(), j
    if kind == "invalid_utf8":
        bad = rng.choice([b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80abc", b"\xf8\x88\x80\x80\x80"])
        body = b'{"tokenizer": "%s", "text": "ab%scd"}' % (tokenizer.encode(), bad)
        return "POST", "/v1/count", body, j
    if kind == "unknown_tokenizer":
        name = rng.choice(["no_such_tokenizer", "", "o200k", "o200k_base ", "../../etc/passwd", "z" * 300, "토크나이저"])
        return "POST", "/v1/count", count_body(name, ok_text), j
    if kind == "over_size":
        extra = rng.randint(1, 64 << 10)
        body = count_body(tokenizer, "a" * (max_body + extra))
        return "POST", "/v1/count", body, j
    if kind == "over_size_chunked":
        body = count_body(tokenizer, "a" * (max_body + rng.randint(1, 64 << 10)))
        chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
        return "POST", "/v1/count", chunks, j  # a list: sent chunked (raw_request)
    if kind == "wrong_method":
        method = rng.choice(["GET", "PUT", "DELETE", "PATCH"])
        return method, "/v1/count", count_body(tokenizer, ok_text) if method != "GET" else None, j
    if kind == "wrong_path":
        method, path = rng.choice(
            [("POST", "/v1/counts"), ("POST", "/v2/count"), ("POST", "/"), ("GET", "/nope"), ("POST", "/v1/count/extra")]
        )
        return method, path, count_body(tokenizer, ok_text), j
    raise ValueError(kind)


def error_shape(headers, data):
    """None when the body is `{"error": {"type": str, "message": str}}` with a JSON content
    type, else what is wrong."""
    if "application/json" not in headers.get("content-type", ""):
        return f"content-type {headers.get('content-type')!r}, body {data[:120]!r}"
    try:
        e = json.loads(data)["error"]
        if isinstance(e.get("type"), str) and isinstance(e.get("message"), str):
            return None
        return f"error object {e!r}"
    except Exception as ex:  # noqa: BLE001 - any shape problem is reported
        return f"not the error shape ({ex}): {data[:120]!r}"


def mixed_run(host, port, texts, expected, n_total, n_bad, max_body, tokenizer="o200k_base", threads=8, seed=7):
    """`n_total` requests over `threads` keep-alive connections, `n_bad` of them malformed (the
    kinds of BAD_KINDS in turn, at seeded random places), the rest good ones over `texts`.
    Returns a report dict; report["problems"] lists every answer that is not as expected
    (a good one not 200 with its count, a bad one not a 4xx JSON error, 413 for the over-size
    ones)."""
    rng = random.Random(seed)
    bad_at = set(rng.sample(range(n_total), n_bad))
    plan = []
    k = 0
    for i in range(n_total):
        if i in bad_at:
            kind = BAD_KINDS[k % len(BAD_KINDS)]
            k += 1
            plan.append((kind, None))
        else:
            plan.append(("good", rng.randrange(len(texts))))
    report = {"good": 0, "bad": 0, "good_tokens": 0, "by_kind": {}, "problems": [], "exceptions": 0}
    lock, it = threading.Lock(), iter(range(n_total))
    Client.retries = 0

    def work(wseed):
        wrng = random.Random(wseed)
        c = Client(host, port)
        while True:
            with lock:
                i = next(it, None)
            if i is None:
                break
            kind, t = plan[i]
            try:
                if kind == "good":
                    status, hdrs, data = post_count(c, tokenizer, texts[t])
                else:
                    method, path, body, h = bad_request(kind, wrng, tokenizer, max_body)
                    if kind.startswith("over_size"):
                        status, hdrs, data = raw_request(host, port, method, path, body, h)
                    else:
                        status, hdrs, data = c.request(method, path, body, h)
            except Exception as ex:  # noqa: BLE001
                with lock:
                    report["exceptions"] += 1
                    report["problems"].append((i, kind, f"{type(ex).__name__}: {ex}"))
                c.close()
                continue
            problem = None
            if kind == "good":
                got = json.loads(data).get("tokens") if status == 200 else None
                if status != 200 or got != expected[t]:
                    problem = f"good text {t}: expected 200 with {expected[t]}, got {status} {data[:160]!r}"
            else:
                if not 400 <= status < 500:
                    problem = f"status {status} (want 4xx): {data[:160]!r}"
                elif kind.startswith("over_size") and status != 413:
                    problem = f"status {status} (want 413): {data[:160]!r}"
                else:
                    shape = error_shape(hdrs, data)
                    if shape:
                        problem = f"status {status}, {shape}"
            with lock:
                report["good" if kind == "good" else "bad"] += 1
                if kind == "good" and status == 200:
                    report["good_tokens"] += expected[t]
                s = report["by_kind"].setdefault(kind, {})
                s[status] = s.get(status, 0) + 1
                if problem:
                    report["problems"].append((i, kind, problem))
        c.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=work, args=(seed * 1000 + w,)) for w in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    report["seconds"] = time.monotonic() - t0
    report["retries"] = Client.retries
    return report


def parse_metrics(text):
    """Prometheus text -> {(name, frozenset(labels.items())): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        if "{" in head:
            name, _, rest = head.partition("{")
            labels = {}
            for part in _split_labels(rest.rstrip("}")):
                k, _, v = part.partition("=")
                labels[k.strip()] = json.loads(v)
            key = (name, frozenset(labels.items()))
        else:
            key = (head, frozenset())
        try:
            out[key] = float(value)
        except ValueError:
            pass
    return out


def _split_labels(s):
    parts, cur, quoted, esc = [], "", False, False
    for ch in s:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\":
            cur += ch
            esc = True
        elif ch == '"':
            cur += ch
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def metrics_delta_check(before, after, report, extra_ok=(), tokenizer="o200k_base"):
    """Checks that fairtok serve's counters moved by what `report` (of mixed_run) saw, plus the
    good requests in `extra_ok` [(tokens)] sent between the two snapshots:

    * fairtok_responses_total{route,status}, all routes but /metrics, summed per status ==
      the statuses answered;
    * fairtok_requests_total{route} (all but /metrics) == the answers;
    * fairtok_errors_total{status} == the answers of status >= 400, per status;
    * fairtok_tokens_counted_total{tokenizer} == the tokens of the good answers.

    Returns {"deltas": ..., "problems": [...]}."""

    def delta(name, keep=lambda labels: True):
        out = {}
        for (n, labels), v in after.items():
            if n != name:
                continue
            d = dict(labels)
            if not keep(d):
                continue
            out[labels] = v - before.get((n, labels), 0.0)
        return out

    not_metrics = lambda d: d.get("route") != "/metrics"  # noqa: E731
    seen = {}
    for statuses in report["by_kind"].values():
        for st, n in statuses.items():
            seen[int(st)] = seen.get(int(st), 0) + n
    for _ in extra_ok:
        seen[200] = seen.get(200, 0) + 1
    answered = sum(seen.values())
    tokens = report["good_tokens"] + sum(extra_ok)

    responses = {}
    for labels, v in delta("fairtok_responses_total", not_metrics).items():
        st = int(dict(labels)["status"])
        responses[st] = responses.get(st, 0) + int(v)
    responses = {k: v for k, v in responses.items() if v}
    requests = int(sum(delta("fairtok_requests_total", not_metrics).values()))
    errors = {int(dict(k)["status"]): int(v) for k, v in delta("fairtok_errors_total").items() if v}
    counted = int(sum(v for k, v in delta("fairtok_tokens_counted_total").items() if dict(k).get("tokenizer") == tokenizer))
    want_errors = {k: v for k, v in seen.items() if k >= 400}
    problems = []
    if responses != seen:
        problems.append(f"fairtok_responses_total moved by {responses}, answers seen {seen}")
    if requests != answered:
        problems.append(f"fairtok_requests_total moved by {requests}, answers seen {answered}")
    if errors != want_errors:
        problems.append(f"fairtok_errors_total moved by {errors}, error answers seen {want_errors}")
    if counted != tokens:
        problems.append(f"fairtok_tokens_counted_total moved by {counted}, tokens answered {tokens}")
    return {
        "deltas": {"responses": responses, "requests": requests, "errors": errors, "tokens": counted},
        "problems": problems,
    }
