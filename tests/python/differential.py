#!/usr/bin/env python3
"""Randomized differential test: fairtok against the reference libraries.

Generates random strings from tricky Unicode classes with a fixed seed, encodes them with
tiktoken (built-ins, from the shared .tiktoken files), Hugging Face tokenizers (every
tokenizer.json of shared/data/vocab but T5's Unigram, and the WordPiece vocab.txt files as
BertWordPieceTokenizer, cased and lower-cased) and mistral-common (Mistral tekken), and with
`fairtok encode --jsonl`, and requires identical ids for every string and tokenizer. Exits non-zero on any difference and prints the first ones.

usage: differential.py --fairtok PATH --shared DIR [--seed N] [--count N] [--only NAME,...]
"""
import argparse, base64, gzip, json, os, random, subprocess, sys, tempfile

import tiktoken
import tokenizers

CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
O200K = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
R50K = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""

# Character classes that stress pre-tokenizers, normalizers and byte fallback.
RANGES = {
    "ascii": [(0x20, 0x7E)],
    "control": [(0x00, 0x1F), (0x7F, 0x9F)],
    "space": [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, (0x2000, 0x200A), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000],
    "zero_width": [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xFE0F, 0xFE0E, 0x180E],
    "latin": [(0xC0, 0x24F), (0x1E00, 0x1EFF)],
    "combining": [(0x300, 0x36F), (0x1AB0, 0x1AFF), (0x20D0, 0x20FF)],
    "hangul": [(0xAC00, 0xD7A3)],
    "jamo": [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF)],
    "cjk": [(0x4E00, 0x9FFF), (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF)],
    "fullwidth": [(0xFF01, 0xFF5E)],
    "digits": [(0x30, 0x39), (0x660, 0x669), (0x966, 0x96F), (0xFF10, 0xFF19), (0x1D7CE, 0x1D7FF)],
    "numbers_other": [(0x2160, 0x2188), 0xB2, 0xB3, 0xB9, (0xBC, 0xBE), (0x2070, 0x2079), (0x2460, 0x249B), (0x3007, 0x3007)],
    "letter_cases": [0x1C5, 0x1C8, 0x1CB, 0x1F2, (0x2B0, 0x2FF), 0x212A, 0x17F, 0x130, 0x131, 0x3A3, 0x3C2, 0xDF, 0x1E9E],
    "scripts": [(0x600, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x400, 0x4FF), (0x370, 0x3FF), (0x5D0, 0x5EA), (0x1000, 0x109F), (0x10A0, 0x10FF), (0x1200, 0x137F)],
    "emoji": [(0x1F300, 0x1F6FF), (0x1F900, 0x1F9FF), (0x1F3FB, 0x1F3FF), (0x1F1E6, 0x1F1FF), (0x2600, 0x27BF)],
    "symbols": [(0x2190, 0x23FF), (0x2500, 0x25FF), (0x20A0, 0x20C0), (0x2010, 0x205E)],
    "math_alnum": [(0x1D400, 0x1D7CB)],
    "private_unassigned": [(0xE000, 0xE0FF), (0xFFF0, 0xFFFF), (0x10FFF0, 0x10FFFD), (0x2FFFE, 0x2FFFF), (0x0378, 0x0379), (0x1FAF9, 0x1FAFF)],
    "recent": [(0x10D40, 0x10D8F), (0x11380, 0x113FF), (0x16D40, 0x16D7F), (0x1E5D0, 0x1E5FF), (0x105C0, 0x105FF), (0x1CC00, 0x1CEBF), (0x31350, 0x323AF), (0x2EBF0, 0x2EE5F)],
    "tags": [(0xE0020, 0xE007F)],
    "nfc_pairs": [0x41, 0x45, 0x49, 0x4F, 0x55, 0x61, 0x65, 0x301, 0x300, 0x308, 0x327, 0x1100, 0x1161, 0x11A8, 0x3099, 0x304B, 0x212B, 0x2126, 0xF900, 0x0958, 0x1E9B, 0x323],
}

SNIPPETS = [
    "'s", "'S", "'t", "'re", "'ve", "'m", "'ll", "'d", "'LL", "'ſ", "'K", "n't", "I'M", "they'RE",
    "<|endoftext|>", "<|im_start|>", "<|fim_prefix|>", "<think>", "</tool_call>", "<unused0>",
    "<table>", "</footer>", "<mask>", "[multimodal]", "<bos>", "<start_of_turn>", "<|begin_of_text|>",
    "<|eot_id|>", "<0x0A>", "▁", "▁▁▁", "\n\n\n", "\t\t", "    ", " \n ", "\r\n", "\u2581\u2581",
    "123456789", "1,234.56", "3.14159", "https://example.com/a/b?c=d", "def f(x):\n    return x\n",
    "안녕하세요", "ㅋㅋㅋ", "한국어", "日本語", "中文", "🇰🇷", "👩‍👩‍👧‍👦", "👍🏽", "é", "é",
    "ﬁ", "Ǆ", "Å", "Ω", "가", "각",
]


def expand(spec):
    out = []
    for r in spec:
        if isinstance(r, tuple):
            out.append(r)
        else:
            out.append((r, r))
    return out


CLASSES = {k: expand(v) for k, v in RANGES.items()}
NAMES = sorted(CLASSES)


def random_char(rng, cls):
    lo, hi = rng.choice(CLASSES[cls])
    c = rng.randint(lo, hi)
    if 0xD800 <= c <= 0xDFFF:
        c = 0xFFFD
    return chr(c)


def random_text(rng):
    mode = rng.random()
    parts = []
    n = rng.randint(1, 40) if mode < 0.9 else rng.randint(200, 2000)
    focus = rng.sample(NAMES, k=rng.randint(1, 4))
    for _ in range(n):
        r = rng.random()
        if r < 0.12:
            parts.append(rng.choice(SNIPPETS))
        elif r < 0.2:
            # runs of one character
            parts.append(random_char(rng, rng.choice(focus)) * (rng.randint(2, 12) if rng.random() < 0.9 else rng.randint(40, 400)))
        else:
            parts.append(random_char(rng, rng.choice(focus) if rng.random() < 0.8 else rng.choice(NAMES)))
    return "".join(parts)


def tt(path, pat, name):
    ranks = {}
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                t, r = line.split()
                ranks[base64.b64decode(t)] = int(r)
    return tiktoken.Encoding(name=name, pat_str=pat, mergeable_ranks=ranks, special_tokens={})


def hf(path):
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    return tokenizers.Tokenizer.from_str(data.decode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fairtok", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    vocab = os.path.join(args.shared, "data", "vocab")
    refs = {
        "cl100k_base": ("cl100k_base", tt(f"{vocab}/cl100k_base.tiktoken", CL100K, "cl100k").encode_ordinary),
        "o200k_base": ("o200k_base", tt(f"{vocab}/o200k_base.tiktoken", O200K, "o200k").encode_ordinary),
        "r50k_base": ("r50k_base", tt(f"{vocab}/r50k_base.tiktoken", R50K, "r50k").encode_ordinary),
        "p50k_base": ("p50k_base", tt(f"{vocab}/p50k_base.tiktoken", R50K, "p50k").encode_ordinary),
    }
    hf_files = [("llama3", "llama3.tokenizer.json"), ("qwen3", "qwen3.tokenizer.json"), ("gemma3", "gemma3.tokenizer.json.gz")]
    # Issue 14's kinds and the other tokenizer.json files (claude-legacy: Anthropic's legacy
    # tokenizer, not Claude 3's).
    hf_files += [(n, f"{n}.tokenizer.json.gz") for n in ["deepseek-v3", "falcon", "phi3", "claude-legacy", "kogpt2", "mistral-v0.1"]]
    for name, fn in hf_files:
        tok = hf(f"{vocab}/{fn}")
        refs[name] = (f"{vocab}/{fn}", (lambda tok: lambda s: tok.encode(s, add_special_tokens=False).ids)(tok))
    for name, fn, lower in [("bert-base-cased", "bert-base-cased.vocab.txt", False),
                            ("bert-base-cased-lowercase", "bert-base-cased.vocab.txt", True),
                            ("koelectra-v1", "koelectra-v1.vocab.txt", False)]:
        tok = tokenizers.BertWordPieceTokenizer(f"{vocab}/{fn}", lowercase=lower)
        spec = [f"{vocab}/{fn}"] + (["--lowercase"] if lower else [])
        refs[name] = (spec, (lambda tok: lambda s: tok.encode(s, add_special_tokens=False).ids)(tok))
    try:
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer
        tek = Tekkenizer.from_file(f"{vocab}/mistral-tekken-240911.json")
        refs["mistral-tekken-240911"] = (f"{vocab}/mistral-tekken-240911.json", lambda s: tek.encode(s, bos=False, eos=False))
    except ImportError:
        print("skipped mistral-tekken-240911: mistral-common is not installed")
    if args.only:
        refs = {k: v for k, v in refs.items() if k in args.only.split(",")}

    rng = random.Random(args.seed)
    texts = [random_text(rng) for _ in range(args.count)]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")
        path = f.name
    passed = failed = 0
    try:
        for name, (spec, ref) in refs.items():
            spec = [spec] if isinstance(spec, str) else spec
            out = subprocess.run([args.fairtok, "encode", "-t", *spec, "--jsonl", path], capture_output=True)
            if out.returncode != 0:
                print(f"{name}: fairtok failed: {out.stderr.decode(errors='replace')}")
                failed += 1
                continue
            got = [json.loads(l) for l in out.stdout.decode().splitlines()]
            bad = [i for i, t in enumerate(texts) if got[i] != ref(t)]
            if bad:
                failed += 1
                print(f"FAIL {name}: {len(bad)} of {len(texts)} strings differ")
                for i in bad[:5]:
                    print(f"  text {i}: {texts[i][:120]!r}\n    want {ref(texts[i])[:30]}\n    got  {got[i][:30]}")
            else:
                passed += 1
                print(f"ok   {name}: {len(texts)} random strings identical")
    finally:
        os.unlink(path)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
