#!/usr/bin/env python3
"""Where superwords hurt: prompts cut mid-phrase, and superword pieces longer than the cap.

1. **Cut prompts.** For every Korean sentence of FLORES-200 dev and every space in it, the
   sentence is cut before that space (a prompt that stops mid-phrase). The cut is *stable* when
   the tokens of the cut text are a prefix of the tokens of the whole sentence, so that a model
   continuing the prompt sees the tokens it would see in the whole text. Under o200k's pattern a
   piece never crosses a space, so nearly every cut is stable; a superword piece that crosses
   the cut is split into other tokens. Reported per tokenizer: the share of unstable cuts, and
   the mean number of trailing tokens of the cut text that differ from the whole text's
   (those a model would have to see "re-tokenized").
2. **Spans over the cap.** The superword pieces (matches of the superword alternative) of the
   five parallel sets, and how many are longer than the token cap, so can never be one token.

Usage: python3 recipes/o200k_ko_sw/hurt.py [CAP]   (FAIRTOK=path/to/fairtok, FAIRTOK_SHARED=...;
needs the `regex` module for part 2)
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("FAIRTOK_SHARED", os.path.join(ROOT, "..", "shared"))
BIN = os.environ.get("FAIRTOK", os.path.join(ROOT, "target", "release", "fairtok"))
P = os.path.join(SHARED, "data", "parallel")
FLORES = os.path.join(P, "flores200-dev", "kor_Hang.dev")
SETS = ["flores200-dev/kor_Hang.dev", "ud-korean-pud/pud.ko",
        "korean-english-park/korean-english-park.dev.ko",
        "korean-english-park/korean-english-park.test.ko", "tatoeba/eng-kor.kor"]
TOKENIZERS = ["o200k_base", "o200k_ko", "o200k_ko_sw"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


def encode(tok, texts):
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts).encode()
    out = subprocess.run([BIN, "encode", "-t", tok, "--jsonl"], input=inp, check=True,
                         capture_output=True).stdout.decode()
    return [json.loads(l) for l in out.splitlines()]


def cuts():
    sents = read(FLORES)
    texts, owner = [], []
    for k, s in enumerate(sents):
        texts.append(s)
        owner.append((k, None))
        for i, ch in enumerate(s):
            if ch == " " and i > 0:
                texts.append(s[:i])
                owner.append((k, i))
    print("| tokenizer | cuts | unstable cuts | mean differing tail tokens (unstable cuts) |")
    print("|---|---:|---:|---:|")
    for tok in TOKENIZERS:
        ids = encode(tok, texts)
        full = {k: x for (k, i), x in zip(owner, ids) if i is None}
        n = bad = tail = 0
        for (k, i), x in zip(owner, ids):
            if i is None:
                continue
            n += 1
            f = full[k]
            if f[:len(x)] != x:
                bad += 1
                common = next((j for j, (a, b) in enumerate(zip(x, f)) if a != b), len(x))
                tail += len(x) - common
        print(f"| {tok} | {n:,} | {bad:,} ({100 * bad / n:.1f}%) | {tail / max(bad, 1):.2f} |")


def spans(cap):
    import regex

    pat = json.loads(subprocess.run([BIN, "info", "-t", "o200k_ko_sw", "--json"], check=True,
                                    capture_output=True).stdout)["pattern"]
    sw, rest = pat.split("|", 1)
    re = regex.compile(f"(?P<sw>{sw})|{rest}")
    print(f"\n| set | superword pieces | longer than {cap} bytes | longest (bytes) |")
    print("|---|---:|---:|---:|")
    for path in SETS:
        lens = [len(m.group().encode()) for l in read(os.path.join(P, path))
                for m in re.finditer(l) if m.group("sw") is not None]
        over = sum(x > cap for x in lens)
        print(f"| {path.split('/')[-1]} | {len(lens):,} | {over:,} ({100 * over / len(lens):.1f}%)"
              f" | {max(lens)} |")


if __name__ == "__main__":
    cuts()
    spans(int(sys.argv[1]) if len(sys.argv) > 1 else 48)
