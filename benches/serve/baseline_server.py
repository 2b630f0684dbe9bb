"""The Python baseline for the `fairtok serve` load test: tiktoken behind uvicorn, with the same
`POST /v1/count` API and the same error shape as `fairtok serve`.

    POST /v1/count  {"tokenizer": "o200k_base", "text": "..."}  ->  {"tokenizer": "o200k_base", "tokens": N}
    errors: 4xx with {"error": {"type": ..., "message": ...}}
      400 invalid_utf8 (body not UTF-8), invalid_json (malformed or empty), invalid_request (not an
          object, a field missing, of the wrong type, or unknown), unknown_tokenizer
      413 body_too_large (Content-Length checked first, then the bytes as they arrive)
      404 not_found (unknown path), 405 method_not_allowed (wrong method on /v1/count)
    (the error types are fairtok serve's)
    GET /health -> {"status": "ok"}

A raw ASGI app (no framework: the fastest Python layer, so the baseline is not slowed by one),
deployed as people deploy it:

    uvicorn baseline_server:app --workers 2 --loop uvloop --http httptools --no-access-log

one worker process per core, each loading the encoding once at import (before it accepts).

Counting rule: `len(enc.encode_ordinary(text))`: special tokens written in the text are text,
which is the rule of fairtok's /v1/count. The encoding is tiktoken's own o200k_base definition
(`tiktoken_ext.openai_public.o200k_base`: its pattern and special tokens), with its rank file read
from `$FAIRTOK_SHARED/data/vocab/o200k_base.tiktoken` (tiktoken checks the file's SHA-256);
nothing is downloaded, and any attempt to is an error.

Environment: FAIRTOK_SHARED (default: ../shared beside the checkout), BASELINE_MAX_BODY (bytes,
default 1048576; give `fairtok serve --max-body` the same).
"""

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("FAIRTOK_SHARED", ROOT.parent / "shared"))
MAX_BODY = int(os.environ.get("BASELINE_MAX_BODY", str(1 << 20)))


def load_encodings():
    """{"o200k_base": tiktoken.Encoding}, built from tiktoken's own constructor with the rank file
    read from the shared data instead of downloaded."""
    os.environ["TIKTOKEN_CACHE_DIR"] = ""  # read the local file, write no cache
    import tiktoken
    import tiktoken.load
    import tiktoken_ext.openai_public as openai_public

    original = tiktoken.load.load_tiktoken_bpe
    vocab = SHARED / "data" / "vocab"

    def local(url, expected_hash=None):
        return original(str(vocab / url.rsplit("/", 1)[-1]), expected_hash)

    read_file = tiktoken.load.read_file

    def no_network(path):
        if "://" in path:
            raise RuntimeError(f"tried to download {path}; only {vocab} is read")
        return read_file(path)

    tiktoken.load.read_file = no_network
    openai_public.load_tiktoken_bpe = local
    return {"o200k_base": tiktoken.Encoding(**openai_public.o200k_base())}


ENCODINGS = load_encodings()

JSON_HEADERS = [(b"content-type", b"application/json")]


async def send_json(send, status, obj):
    body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": JSON_HEADERS + [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_error(send, status, kind, message):
    await send_json(send, status, {"error": {"type": kind, "message": message}})


async def read_body(scope, receive):
    """The request body, or None when it is over MAX_BODY (by its Content-Length, or by the bytes
    received so far for a chunked body)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                if int(value) > MAX_BODY:
                    return None
            except ValueError:
                pass
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def count(scope, receive, send):
    body = await read_body(scope, receive)
    if body is None:
        return await send_error(
            send, 413, "body_too_large", f"the request body is over the limit of {MAX_BODY} bytes"
        )
    try:
        body = body.decode("utf-8")
    except UnicodeDecodeError as e:
        return await send_error(send, 400, "invalid_utf8", f"the request body is not UTF-8: {e}")
    try:
        req = json.loads(body)
    except ValueError as e:
        return await send_error(send, 400, "invalid_json", f"request body: {e}")
    if not isinstance(req, dict):
        return await send_error(send, 400, "invalid_request", "the body must be a JSON object")
    extra = set(req) - {"tokenizer", "text"}
    if extra:
        return await send_error(send, 400, "invalid_request", f"unknown field {sorted(extra)[0]!r}")
    name, text = req.get("tokenizer"), req.get("text")
    if not isinstance(name, str):
        return await send_error(send, 400, "invalid_request", "`tokenizer` must be a string")
    if not isinstance(text, str):
        return await send_error(send, 400, "invalid_request", "`text` must be a string")
    enc = ENCODINGS.get(name)
    if enc is None:
        return await send_error(send, 400, "unknown_tokenizer", f"unknown tokenizer {name!r}")
    # Called in the event loop on purpose: the work is CPU-bound and each worker process has one
    # core; a thread pool would only add hand-offs.
    await send_json(send, 200, {"tokenizer": name, "tokens": len(enc.encode_ordinary(text))})


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    path, method = scope["path"], scope["method"]
    if path == "/v1/count":
        if method != "POST":
            return await send_error(send, 405, "method_not_allowed", f"{method} {path}: use POST")
        return await count(scope, receive, send)
    if path == "/health" and method == "GET":
        return await send_json(send, 200, {"status": "ok"})
    await send_error(send, 404, "not_found", f"no route for {method} {path}")
