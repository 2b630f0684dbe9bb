#!/usr/bin/env python3
"""Reference ids for the tokenizer kinds added by issue 14 (Mistral Tekken, WordPiece) and for
the other `tokenizer.json` files of `shared/data/vocab`, made with each kind's own library.

Writes, into OUT_DIR:

* `more-kinds-conformance.tsv`: for every text of `shared/conformance/public.jsonl` (a row,
  by line index from 0) and every tokenizer (a column), the CRC-32 of its ids followed by the
  UTF-8 of their decoding;
* `more-kinds-flores200-dev.tsv`: for every FLORES-200 dev language (204) and tokenizer, the
  lines, the total of ids (each line encoded on its own, its terminator excluded, as
  `fairtok parity` counts) and a CRC-32 of all ids in line order;
* `wordpiece-tokenizer-json-template.json`: the `tokenizer.json` that Hugging Face tokenizers
  writes for `BertWordPieceTokenizer(VOCAB, lowercase=False)`, with `model.vocab` emptied (the
  test fills it from the vocab file), so that fairtok's reading of a WordPiece `tokenizer.json`
  is checked on the document tokenizers itself writes.

The hash: CRC-32 (zlib's) of the ids as little-endian u32 (then, for the conformance texts,
the UTF-8 of the decoded text), as 8 hex digits. `crates/fairtok-core/tests/more_kinds.rs` compares fairtok with these.

References (ids without BOS/EOS or any post-processor):

| key | file | library call |
|---|---|---|
| mistral-tekken-240911 | mistral-tekken-240911.json | mistral-common `Tekkenizer.from_file(p).encode(t, bos=False, eos=False)`; decode: `decode(ids)` |
| bert-base-cased | bert-base-cased.vocab.txt | tokenizers `BertWordPieceTokenizer(p, lowercase=False).encode(t, add_special_tokens=False)` |
| bert-base-cased-lowercase | bert-base-cased.vocab.txt | the same with `lowercase=True` (also strips accents, as BERT uncased) |
| koelectra-v1 | koelectra-v1.vocab.txt | `BertWordPieceTokenizer(p, lowercase=False)` |
| bert-base-cased.tokenizer.json | the template above, vocab filled | `Tokenizer.from_str(...)` (conformance texts only) |
| deepseek-v3, falcon, phi3, claude-legacy, kogpt2, mistral-v0.1 | `NAME.tokenizer.json.gz` | `Tokenizer.from_str(...).encode(t, add_special_tokens=False)` |

`claude-legacy` is Anthropic's legacy (Claude 1/2) tokenizer, not Claude 3's (unpublished).
Decoding is `decode(ids, skip_special_tokens=False)` for the tokenizers ones (the WordPiece
decoder joins pieces with spaces and drops `##`; it is not the input text).

With `--sentencepiece`, the same two tables (`sentencepiece-conformance.tsv`,
`sentencepiece-flores200-dev.tsv`) for the SentencePiece `.model` files, with the
sentencepiece library (`SentencePieceProcessor(model_file=p).encode(t)`, no BOS/EOS; decode:
`decode(ids)`), keyed by file name, and for T5's Unigram `tokenizer.json` (key `t5`, tokenizers);
and `sentencepiece-long.tsv`: each `.model` on the first 4 MiB of the Korean and English corpora
as one string (count and CRC of the ids).

usage: reference_more_kinds.py SHARED_DIR OUT_DIR [--conformance-only] [--sentencepiece]
(`python tests/python/reference_more_kinds.py ../shared tests/data`; about 30 minutes on two
cores, the FLORES part nearly all of it; with `--sentencepiece`, a few minutes)
(mistral-common 1.13.1, tokenizers 0.23.3, sentencepiece 0.2.3)
"""
import gzip, json, os, sys

import tokenizers
from tokenizers import BertWordPieceTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refdata import crc, flores_dev_lines, ids_bytes  # noqa: E402





HF_FILES = ["deepseek-v3", "falcon", "phi3", "claude-legacy", "kogpt2", "mistral-v0.1"]


def hf_tok(tok):
    enc = lambda b: [e.ids for e in tok.encode_batch(b, add_special_tokens=False)]
    dec = lambda ids: tok.decode(ids, skip_special_tokens=False)
    return enc, dec


def build(vocab, out_dir):
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    encs = {}
    tek = Tekkenizer.from_file(os.path.join(vocab, "mistral-tekken-240911.json"))
    encs["mistral-tekken-240911"] = (
        lambda b: [tek.encode(s, bos=False, eos=False) for s in b],
        lambda ids: tek.decode(ids),
    )
    for key, fn, lower in [
        ("bert-base-cased", "bert-base-cased.vocab.txt", False),
        ("bert-base-cased-lowercase", "bert-base-cased.vocab.txt", True),
        ("koelectra-v1", "koelectra-v1.vocab.txt", False),
    ]:
        encs[key] = hf_tok(BertWordPieceTokenizer(os.path.join(vocab, fn), lowercase=lower)._tokenizer)
    # The document tokenizers writes for a WordPiece tokenizer.json, vocab emptied.
    doc = json.loads(
        BertWordPieceTokenizer(os.path.join(vocab, "bert-base-cased.vocab.txt"), lowercase=False)._tokenizer.to_str()
    )
    full = json.dumps(doc)
    doc["model"]["vocab"] = {}
    with open(os.path.join(out_dir, "wordpiece-tokenizer-json-template.json"), "w") as w:
        json.dump(doc, w, indent=1, ensure_ascii=False)
        w.write("\n")
    json_tok = hf_tok(tokenizers.Tokenizer.from_str(full))
    for name in HF_FILES:
        data = gzip.open(os.path.join(vocab, f"{name}.tokenizer.json.gz")).read().decode()
        encs[name] = hf_tok(tokenizers.Tokenizer.from_str(data))
    return encs, json_tok


SPM_FILES = ["albert.spiece.model", "kogpt2.spiece.model", "mistral-v0.1.tokenizer.model", "mistral-v0.3.tokenizer.model"]


def build_sentencepiece(vocab):
    """The SentencePiece `.model` files (the sentencepiece library) and T5's Unigram
    `tokenizer.json` (tokenizers)."""
    import sentencepiece

    encs = {}
    for fn in SPM_FILES:
        sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(vocab, fn))
        encs[fn] = (lambda b, sp=sp: sp.encode(b), lambda ids, sp=sp: sp.decode(ids))
    data = gzip.open(os.path.join(vocab, "t5.tokenizer.json.gz")).read().decode()
    encs["t5"] = hf_tok(tokenizers.Tokenizer.from_str(data))
    return encs


def long_texts(shared, encs, out_dir):
    """`sentencepiece-long.tsv`: each SentencePiece model on the first 4 MiB (at a line end) of
    the Korean and English corpora as ONE string: long texts reach path sums and merge queues
    that short lines do not."""
    rows = []
    for corpus in ["ko.kowiki.txt.gz", "en.wikitext2.txt"]:
        path = os.path.join(shared, "data", "corpus", corpus)
        data = gzip.open(path).read() if corpus.endswith(".gz") else open(path, "rb").read()
        data = data[: 4 << 20]
        text = data[: data.rfind(b"\n") + 1].decode("utf-8")
        for key, (enc, _) in encs.items():
            if key.endswith(".model"):
                ids = enc([text])[0]
                rows.append((corpus, key, len(text.encode("utf-8")), len(ids), crc(ids_bytes(ids))))
    with open(os.path.join(out_dir, "sentencepiece-long.tsv"), "w") as w:
        w.write("corpus\ttokenizer\tbytes\ttokens\tids_crc\n")
        for r in rows:
            w.write("\t".join(map(str, r)) + "\n")


def main(shared, out_dir, *flags):
    vocab = os.path.join(shared, "data", "vocab")
    if "--sentencepiece" in flags:
        group, encs, extra = "sentencepiece", build_sentencepiece(vocab), {}
    else:
        encs, json_tok = build(vocab, out_dir)
        group, extra = "more-kinds", {"bert-base-cased.tokenizer.json": json_tok}
    texts = [json.loads(l)["text"] for l in open(os.path.join(shared, "conformance", "public.jsonl"), encoding="utf-8")]
    keys = list(encs) + list(extra)
    cols = []
    for key in keys:
        enc, dec = encs.get(key) or extra[key]
        cols.append([crc(ids_bytes(ids) + dec(ids).encode("utf-8", "surrogatepass")) for ids in enc(texts)])
    with open(os.path.join(out_dir, f"{group}-conformance.tsv"), "w") as w:
        w.write("text\t" + "\t".join(keys) + "\n")
        for i in range(len(texts)):
            w.write(f"{i}\t" + "\t".join(c[i] for c in cols) + "\n")
    if group == "sentencepiece":
        long_texts(shared, encs, out_dir)
    if "--conformance-only" in flags:
        return
    rows = []
    for lang, lines in flores_dev_lines(shared):
        for key, (enc, _) in encs.items():
            all_ids = enc(lines)
            flat = [i for ids in all_ids for i in ids]
            rows.append((lang, key, len(lines), len(flat), crc(ids_bytes(flat))))
        print(lang, file=sys.stderr, flush=True)
    with open(os.path.join(out_dir, f"{group}-flores200-dev.tsv"), "w") as w:
        w.write("lang\ttokenizer\tlines\ttokens\tids_crc\n")
        for r in rows:
            w.write("\t".join(map(str, r)) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
