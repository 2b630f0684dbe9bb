#!/usr/bin/env python3
"""Load time and encoding speed of the tokenizers of llama.cpp's vocab-only GGUF files
(`shared/data/vocab/gguf/*.gguf`, issue 14), fairtok against llama.cpp through `llama_cpp`
(llama-cpp-python), on one thread.

* fairtok: the `fairtok` command as a whole process, best of REPEAT runs:
  `fairtok count --threads 1 --json -t FILE EMPTY` (start-up and loading) and the same on TEXT
  repeated 8 times (loading and counting); the speed is those bytes over the difference (8 times
  the text, so that the encoding outweighs the noise of the loading time). `fairtok count`
  encodes a file as one string, not line by line.
* llama.cpp, in this process, best of REPEAT:
  * loading: `llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)` (which also
    creates a context, as that constructor always does);
  * encoding: TEXT as one string (its UTF-8 bytes), by one call of the C function
    `llama_cpp.llama_tokenize(vocab, text, len(text), buffer, len(text) + 16,
    add_special=False, parse_special=False)` with a buffer large enough for every token;
  * and once, `Llama.tokenize(text, add_bos=False, special=False)`, the wrapper, whose count is
    the reference count and whose time is printed in parentheses: llama-cpp-python first calls
    `llama_tokenize` with a buffer of `n_ctx_train` tokens (0 for a vocab-only file), gets the
    needed size back and tokenizes the whole text again, so it costs about twice the single call.
* The token counts must be equal: fairtok's, the single call's and the wrapper's (a differing
  one is printed with `≠`).

TEXTs: the first 4 MiB (ending at a line end) of `shared/data/corpus/en.wikitext2.txt` and of
`ko.kowiki.txt.gz`.

usage: python bench.py FAIRTOK_BIN SHARED_DIR [REPEAT] [FILE...] 2>/dev/null
  (run with the Python that has `llama_cpp`; prints a Markdown table; FILE: a part of a GGUF
  file name, e.g. `qwen2`, to run only those; llama.cpp writes a context warning per load on
  stderr, hence the redirection)
"""
import importlib.util, os, sys, tempfile

# The text loader and the timing of the fairtok command are the more-kinds benchmark's own.
_spec = importlib.util.spec_from_file_location(
    "more_kinds_bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                     "more-kinds", "bench.py"))
_more_kinds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_more_kinds)
MIB, head, best, fairtok = _more_kinds.MIB, _more_kinds.head, _more_kinds.best, _more_kinds.fairtok


def main(bin_, shared, repeat="3", *only):
    repeat = int(repeat)
    import llama_cpp

    gguf_dir = os.path.join(shared, "data", "vocab", "gguf")
    corpus = os.path.join(shared, "data", "corpus")
    names = sorted(f for f in os.listdir(gguf_dir) if f.endswith(".gguf"))
    if only:
        names = [f for f in names if any(o in f for o in only)]
    texts = [("English", head(os.path.join(corpus, "en.wikitext2.txt"))),
             ("Korean", head(os.path.join(corpus, "ko.kowiki.txt.gz")))]

    def load(p):
        return llama_cpp.Llama(model_path=p, vocab_only=True, verbose=False)

    def single_call(llm, data):
        cap = len(data) + 16
        buf = (llama_cpp.llama_token * cap)()
        n = llama_cpp.llama_tokenize(llm._model.vocab, data, len(data), buf, cap, False, False)
        if n < 0:
            raise RuntimeError(f"llama_tokenize needs {-n} tokens, more than {cap}")
        return n

    print(f"llama_cpp {llama_cpp.__version__}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        empty, written = _more_kinds.write_texts(tmp, texts)
        files = [(name, text.encode("utf-8"), p, p8) for name, text, p, p8 in written]
        print("| file | model / pre | load: fairtok / llama.cpp (s) | text | "
              "MB/s: fairtok / llama.cpp (`Llama.tokenize`) | tokens |")
        print("|---|---|---:|---|---:|---:|")
        for fn in names:
            spec = os.path.join(gguf_dir, fn)
            t_empty, _ = fairtok(bin_, spec, empty, repeat)
            t_load, llm = best(lambda: load(spec), repeat)
            md = llm.metadata
            kind = f"{md.get('tokenizer.ggml.model')} / {md.get('tokenizer.ggml.pre', '(none)')}"
            for i, (name, data, p, p8) in enumerate(files):
                _, n_ft = fairtok(bin_, spec, p, 1)
                t_all, _ = fairtok(bin_, spec, p8, repeat)
                t_ref, n_ref = best(lambda: single_call(llm, data), repeat)
                t_wrap, n_wrap = best(
                    lambda: len(llm.tokenize(data, add_bos=False, special=False)), 1)
                mb = len(data) / 1e6
                same = "" if n_ft == n_ref else f" ≠ {n_ref:,}"
                if n_wrap != n_ref:
                    same += f" (`Llama.tokenize`: {n_wrap:,})"
                first = i == 0
                print(f"| {fn if first else ''} | {kind if first else ''} | "
                      f"{f'{t_empty:.3f} / {t_load:.3f}' if first else ''} | {name} {mb:.1f} MB | "
                      f"{8 * mb / (t_all - t_empty):.1f} / {mb / t_ref:.1f} ({mb / t_wrap:.1f}) | "
                      f"{n_ft:,}{same} |", flush=True)
            del llm


if __name__ == "__main__":
    main(*sys.argv[1:])
