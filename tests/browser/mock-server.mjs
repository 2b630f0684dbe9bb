// A stand-in for `fairtok serve` with fake tokenizers, for developing the playground page
// without the Rust service: `node tests/browser/mock-server.mjs [--addr 127.0.0.1:PORT]`.
// Tokens are fixed-size chunks of the text's UTF-8 bytes (the chunk size depends on the
// tokenizer), so Korean syllables (3 bytes) get split across tokens as with real tokenizers.
// It prints `listening on http://ADDR` like the real server; the test can run against it with
// FAIRTOK_MOCK=1.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PAGE = fileURLToPath(new URL('../../crates/fairtok-serve/assets/playground.html', import.meta.url));
const TOKENIZERS = [
  { name: 'cl100k_base', vocab_size: 100277, kind: 'tiktoken', chunk: 2 },
  { name: 'o200k_base', vocab_size: 200019, kind: 'tiktoken', chunk: 3 },
  { name: 'o200k_ko', vocab_size: 232787, kind: 'tiktoken', chunk: 5 },
  { name: 'o200k_harmony', vocab_size: 201088, kind: 'tiktoken', chunk: 3 },
  { name: 'r50k_base', vocab_size: 50257, kind: 'tiktoken', chunk: 1 },
  { name: 'p50k_base', vocab_size: 50281, kind: 'tiktoken', chunk: 1 },
  { name: 'p50k_edit', vocab_size: 50284, kind: 'tiktoken', chunk: 1 },
];
const byName = new Map(TOKENIZERS.map((t) => [t.name, t]));

function encode(tok, text) {
  const b = Buffer.from(text, 'utf8');
  const ids = [], offsets = [], partial = [], bytes = [];
  const cont = (i) => i < b.length && (b[i] & 0xc0) === 0x80;
  for (let s = 0; s < b.length; s += tok.chunk) {
    const e = Math.min(b.length, s + tok.chunk);
    const piece = b.subarray(s, e);
    let id = 0;
    for (const x of piece) id = (id * 31 + x) % tok.vocab_size;
    ids.push(id);
    offsets.push([s, e]);
    partial.push(cont(s) || cont(e));
    bytes.push(piece.toString('hex'));
  }
  return { ids, offsets, partial, bytes };
}
const count = (tok, text) => Math.ceil(Buffer.byteLength(text, 'utf8') / tok.chunk);

class ApiError extends Error {
  constructor(status, type, message) { super(message); this.status = status; this.type = type; }
}
function tokenizer(name) {
  const t = byName.get(name);
  if (!t) throw new ApiError(404, 'unknown_tokenizer', `unknown tokenizer ${JSON.stringify(name)}`);
  return t;
}

function handle(method, path, body) {
  if (method === 'GET' && path === '/v1/tokenizers') {
    return { tokenizers: TOKENIZERS.map(({ name, vocab_size, kind }) => ({ name, vocab_size, kind })) };
  }
  if (method !== 'POST') throw new ApiError(404, 'not_found', `no route ${method} ${path}`);
  if (path === '/v1/count') {
    if (body.tokenizers) {
      const toks = body.tokenizers.map(tokenizer);
      if (body.texts) return { results: toks.map((t) => ({ tokenizer: t.name, tokens: body.texts.map((x) => count(t, x)) })) };
      return { results: toks.map((t) => ({ tokenizer: t.name, tokens: count(t, body.text ?? '') })) };
    }
    const t = tokenizer(body.tokenizer);
    return { tokenizer: t.name, tokens: count(t, body.text ?? '') };
  }
  if (path === '/v1/encode') {
    const t = tokenizer(body.tokenizer);
    const e = encode(t, body.text ?? '');
    return { tokenizer: t.name, tokens: e.ids.length, ...e };
  }
  if (path === '/v1/decode') {
    tokenizer(body.tokenizer);
    throw new ApiError(400, 'unsupported', 'the mock cannot decode');
  }
  throw new ApiError(404, 'not_found', `no route ${method} ${path}`);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(readFileSync(PAGE));
      return;
    }
    let status = 200, out;
    try {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      out = handle(req.method, url.pathname, body);
    } catch (e) {
      status = e.status ?? 400;
      out = { error: { type: e.type ?? 'bad_request', message: e.message } };
    }
    const delay = Number(process.env.MOCK_DELAY_MS ?? 0);
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    }, delay);
  });
});

const i = process.argv.indexOf('--addr');
const [host, port] = (i > 0 ? process.argv[i + 1] : '127.0.0.1:0').split(':');
server.listen(Number(port), host, () => {
  const a = server.address();
  console.log(`listening on http://${a.address}:${a.port}`);
});
