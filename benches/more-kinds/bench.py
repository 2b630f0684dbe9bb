#!/usr/bin/env python3
"""Load time and encoding speed of the tokenizer kinds of issue 14 (Mistral tekken, WordPiece
`vocab.txt`, SentencePiece `.model`, Unigram `tokenizer.json`), fairtok against each kind's
reference library, on one thread.

* fairtok: the `fairtok` command as a whole process, best of REPEAT runs:
  `fairtok count --threads 1 --json -t FILE EMPTY` (start-up and loading) and the same on TEXT
  repeated 8 times (loading and counting); the speed is those bytes over the difference (8 times
  the text, so that the encoding outweighs the noise of the loading time).
* reference, in this process, best of REPEAT: loading (`Tekkenizer.from_file(path)`,
  `BertWordPieceTokenizer(path, lowercase=False)`, `SentencePieceProcessor(model_file=path)`,
  `Tokenizer.from_str(text of the gunzipped file)`) and encoding TEXT as one string
  (`encode(text, bos=False, eos=False)`, `encode(text, add_special_tokens=False)`,
  `encode(text)`), as `fairtok count` does: it encodes a file as one string, not line by line
  (for a SentencePiece model the whole text is one sequence on both sides: normalized at once,
  so runs of whitespace across lines collapse as the library collapses them).
* The token counts must be equal (a differing one is printed with `≠`).

TEXTs: the first 4 MiB (ending at a line end) of `shared/data/corpus/en.wikitext2.txt` and of
`ko.kowiki.txt.gz`.

usage: bench.py FAIRTOK_BIN SHARED_DIR [REPEAT] [KIND...]   (prints a Markdown table; KIND: a
part of a tokenizer's label, e.g. `SentencePiece`, to run only those)
"""
import gzip, json, os, subprocess, sys, tempfile, time

MIB = 1 << 20


def head(path, size=4 * MIB):
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    data = data[:size]
    return data[: data.rfind(b"\n") + 1].decode("utf-8")


def best(fn, repeat):
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def write_texts(tmp, texts):
    """Writes an empty file and, per `(name, text)`, the text and the text 8 times into `tmp`:
    returns the empty file and `(name, text, path, path_x8)` per text."""
    empty = os.path.join(tmp, "empty.txt")
    open(empty, "w").close()
    files = []
    for name, text in texts:
        p = os.path.join(tmp, f"{name}.txt")
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        p8 = os.path.join(tmp, f"{name}.x8.txt")
        with open(p8, "w", encoding="utf-8", newline="") as f:
            f.write(text * 8)
        files.append((name, text, p, p8))
    return empty, files


def fairtok(bin_, spec, path, repeat):
    def run():
        r = subprocess.run([bin_, "count", "--threads", "1", "--json", "-t", spec, path],
                           capture_output=True, check=True)
        return json.loads(r.stdout)["files"][0]["tokens"]
    return best(run, repeat)


def main(bin_, shared, repeat="3", *only):
    repeat = int(repeat)
    vocab = os.path.join(shared, "data", "vocab")
    corpus = os.path.join(shared, "data", "corpus")
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    import sentencepiece, tokenizers
    from tokenizers import BertWordPieceTokenizer, Tokenizer

    spm = f"SentencePiece {sentencepiece.__version__}"
    hf = f"tokenizers {tokenizers.__version__}"

    def sp_load(p):
        return sentencepiece.SentencePieceProcessor(model_file=p)

    def hf_json(p):
        data = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
        return Tokenizer.from_str(data.decode("utf-8"))

    kinds = [
        ("Mistral tekken (mistral-common 1.13.1)", "mistral-tekken-240911.json",
         lambda p: Tekkenizer.from_file(p), lambda t, s: len(t.encode(s, bos=False, eos=False))),
        ("BERT cased vocab.txt (tokenizers 0.23.3)", "bert-base-cased.vocab.txt",
         lambda p: BertWordPieceTokenizer(p, lowercase=False),
         lambda t, s: len(t.encode(s, add_special_tokens=False).ids)),
        ("KoELECTRA vocab.txt (tokenizers 0.23.3)", "koelectra-v1.vocab.txt",
         lambda p: BertWordPieceTokenizer(p, lowercase=False),
         lambda t, s: len(t.encode(s, add_special_tokens=False).ids)),
        (f"ALBERT .model, Unigram ({spm})", "albert.spiece.model", sp_load,
         lambda t, s: len(t.encode(s))),
        (f"KoGPT2 .model, BPE ({spm})", "kogpt2.spiece.model", sp_load,
         lambda t, s: len(t.encode(s))),
        (f"Mistral v0.1 .model, BPE ({spm})", "mistral-v0.1.tokenizer.model", sp_load,
         lambda t, s: len(t.encode(s))),
        (f"Mistral v0.3 .model, BPE ({spm})", "mistral-v0.3.tokenizer.model", sp_load,
         lambda t, s: len(t.encode(s))),
        (f"T5 tokenizer.json, Unigram ({hf})", "t5.tokenizer.json.gz", hf_json,
         lambda t, s: len(t.encode(s, add_special_tokens=False).ids)),
    ]
    if only:
        kinds = [k for k in kinds if any(o in k[0] for o in only)]
    texts = [("English", head(os.path.join(corpus, "en.wikitext2.txt"))),
             ("Korean", head(os.path.join(corpus, "ko.kowiki.txt.gz")))]
    with tempfile.TemporaryDirectory() as tmp:
        empty, files = write_texts(tmp, texts)
        print("| tokenizer | load: fairtok / reference (s) | text | MB/s: fairtok / reference | tokens |")
        print("|---|---:|---|---:|---:|")
        for label, fn, load, encode in kinds:
            spec = os.path.join(vocab, fn)
            t_empty, _ = fairtok(bin_, spec, empty, repeat)
            t_load, tok = best(lambda: load(spec), repeat)
            for i, (name, text, p, p8) in enumerate(files):
                _, n_ft = fairtok(bin_, spec, p, 1)
                t_all, _ = fairtok(bin_, spec, p8, repeat)
                t_ref, n_ref = best(lambda: encode(tok, text), repeat)
                mb = len(text.encode("utf-8")) / 1e6
                same = "" if n_ft == n_ref else f" ≠ {n_ref}"
                load_cell = f"{t_empty:.3f} / {t_load:.3f}" if i == 0 else ""
                print(f"| {label if i == 0 else ''} | {load_cell} | {name} {mb:.1f} MB | "
                      f"{8 * mb / (t_all - t_empty):.1f} / {mb / t_ref:.1f} | {n_ft:,}{same} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
