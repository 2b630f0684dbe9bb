"""`fairtok extend` output in the reference libraries.

o200k_base extended for Korean (with whole-piece tokens, the o200k_ko recipe's mode) must:
* load in tiktoken (.tiktoken + .json sidecar) and in Hugging Face tokenizers (tokenizer.json);
* give the same ids in both and in fairtok, on Korean text not trained on;
* give exactly tiktoken's o200k_base ids on text without Hangul (English, Japanese, Chinese,
  code, FLORES in five scripts), and keep every o200k_base id and special token.
A Llama 3 tokenizer.json extension must load in Hugging Face tokenizers with fairtok's ids.

Run: .venv/bin/python -m pytest tests/python/test_extend.py
(needs target/release/fairtok, or FAIRTOK_BIN; ../shared or FAIRTOK_SHARED).
"""
import json
import os
import subprocess
import tempfile
import unittest

from conftest import has_hangul, lines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("FAIRTOK_SHARED", os.path.join(ROOT, "..", "shared"))
FAIRTOK = os.environ.get("FAIRTOK_BIN", os.path.join(ROOT, "target", "release", "fairtok"))
CORPUS = os.path.join(SHARED, "data", "corpus")
FLORES = os.path.join(SHARED, "data", "parallel", "flores200-dev")






def fairtok_ids(tokenizer, texts):
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([FAIRTOK, "encode", "-t", tokenizer, "--jsonl"], input=inp.encode(),
                         capture_output=True, check=True).stdout.decode()
    return [json.loads(l) for l in out.splitlines()]


class ExtendedO200k(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(FAIRTOK):
            raise unittest.SkipTest(f"{FAIRTOK} not built (cargo build --release, or set FAIRTOK_BIN)")
        import tiktoken
        import tiktoken.load
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        inputs = ["--input", "kor_Hang=" + os.path.join(CORPUS, "ko.klue-dev.txt") + ","
                  + os.path.join(CORPUS, "ko.kornlu.txt")]
        cls.tk = os.path.join(d, "ko.tiktoken")
        cls.hf = os.path.join(d, "ko.json")
        for out, fmt in [(cls.tk, "tiktoken"), (cls.hf, "hf")]:
            subprocess.run([FAIRTOK, "extend", "-t", "o200k_base", *inputs, "--add", "3000",
                            "--whole-pieces", "--format", fmt, "--quiet", "-o", out], check=True)
        with open(cls.tk + ".json") as f:
            kw = json.load(f)
        cls.ranks = tiktoken.load.load_tiktoken_bpe(cls.tk)
        cls.enc = tiktoken.Encoding(mergeable_ranks=cls.ranks, **kw)
        base_ranks = tiktoken.load.load_tiktoken_bpe(os.path.join(SHARED, "data", "vocab", "o200k_base.tiktoken"))
        cls.base = tiktoken.Encoding(
            name="o200k_base", mergeable_ranks=base_ranks,
            pat_str=kw["pat_str"], special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018})
        cls.base_ranks = base_ranks
        from tokenizers import Tokenizer
        cls.hf_tok = Tokenizer.from_file(cls.hf)

    def korean(self):
        t = lines(os.path.join(FLORES, "kor_Hang.dev"), 997)
        t += lines(os.path.join(CORPUS, "ko.nsmc.txt.gz"), 3000)
        t += lines(os.path.join(SHARED, "data", "parallel", "tatoeba", "eng-kor.kor"), 2400)
        t += lines(os.path.join(CORPUS, "ko.laws.txt.gz"), 1000)
        return t

    def test_ids_are_stable_and_new_ids_follow_the_specials(self):
        for b, r in self.base_ranks.items():
            self.assertEqual(self.ranks[b], r)
        new = sorted(r for b, r in self.ranks.items() if b not in self.base_ranks)
        self.assertEqual(new, list(range(200019, 200019 + 3000)))
        self.assertEqual(self.enc._special_tokens, {"<|endoftext|>": 199999, "<|endofprompt|>": 200018})
        self.assertEqual(self.enc.n_vocab, 203019)

    def test_three_libraries_agree_on_korean(self):
        texts = self.korean()
        ours = fairtok_ids(self.tk, texts)
        ours_hf = fairtok_ids(self.hf, texts)
        fewer = 0
        for t, a, b in zip(texts, ours, ours_hf):
            want = self.enc.encode_ordinary(t)
            self.assertEqual(a, want, t)
            self.assertEqual(b, want, t)
            self.assertEqual(self.hf_tok.encode(t, add_special_tokens=False).ids, want, t)
            fewer += len(want) < len(self.base.encode_ordinary(t))
        self.assertGreater(fewer, len(texts) // 2)

    def test_text_without_hangul_encodes_as_o200k_base(self):
        texts = lines(os.path.join(CORPUS, "en.wikitext2.txt"), 2000)
        texts += lines(os.path.join(CORPUS, "ja.manpages.txt.gz"), 1500)
        texts += lines(os.path.join(CORPUS, "zh.manpages.txt.gz"), 1500)
        texts += lines(os.path.join(CORPUS, "code.python.txt.gz"), 1500)
        texts += lines(os.path.join(CORPUS, "code.rust.txt.gz"), 1500)
        for lang in ["eng_Latn", "jpn_Jpan", "zho_Hans", "arb_Arab", "hin_Deva"]:
            texts += lines(os.path.join(FLORES, lang + ".dev"), 997)
        texts = [t for t in texts if not has_hangul(t)]
        self.assertGreater(len(texts), 10000)
        for t in texts:
            want = self.base.encode_ordinary(t)
            self.assertEqual(self.enc.encode_ordinary(t), want, t)
            self.assertEqual(self.hf_tok.encode(t, add_special_tokens=False).ids, want, t)
        # Special tokens behave as in o200k_base.
        s = "<|endoftext|>한국어<|endofprompt|>"
        self.assertEqual(self.enc.encode(s, allowed_special="all")[0], 199999)
        self.assertEqual(self.enc.encode(s, allowed_special="all")[-1], 200018)


class BuiltinO200kKo(unittest.TestCase):
    """The built-in o200k_ko, exported by `fairtok export`, in tiktoken and HF tokenizers."""

    def test_exported_o200k_ko_matches_the_built_in(self):
        if not os.path.exists(FAIRTOK):
            raise unittest.SkipTest(f"{FAIRTOK} not built")
        import tiktoken
        import tiktoken.load
        from tokenizers import Tokenizer
        with tempfile.TemporaryDirectory() as d:
            tk, hf = os.path.join(d, "o200k_ko.tiktoken"), os.path.join(d, "o200k_ko.json")
            subprocess.run([FAIRTOK, "export", "-t", "o200k_ko", "--format", "tiktoken", "-o", tk], check=True)
            subprocess.run([FAIRTOK, "export", "-t", "o200k_ko", "--format", "hf", "-o", hf], check=True)
            with open(tk + ".json") as f:
                enc = tiktoken.Encoding(mergeable_ranks=tiktoken.load.load_tiktoken_bpe(tk), **json.load(f))
            hf_tok = Tokenizer.from_file(hf)
        self.assertEqual(enc.n_vocab, 232787)
        texts = lines(os.path.join(FLORES, "kor_Hang.dev"), 997)
        texts += lines(os.path.join(CORPUS, "ko.nsmc.txt.gz"), 3000)
        texts += lines(os.path.join(SHARED, "data", "parallel", "tatoeba", "eng-kor.kor"), 2400)
        texts += lines(os.path.join(SHARED, "data", "parallel", "ud-korean-pud", "pud.ko"), 1000)
        texts += lines(os.path.join(CORPUS, "ko.precedents.txt.gz"), 500)
        texts += lines(os.path.join(FLORES, "eng_Latn.dev"), 300)
        ours = fairtok_ids("o200k_ko", texts)
        for t, a in zip(texts, ours):
            want = enc.encode_ordinary(t)
            self.assertEqual(a, want, t)
            self.assertEqual(hf_tok.encode(t, add_special_tokens=False).ids, want, t)


class ExtendedLlama3(unittest.TestCase):
    def test_tokenizer_json_base(self):
        if not os.path.exists(FAIRTOK):
            raise unittest.SkipTest(f"{FAIRTOK} not built")
        from tokenizers import Tokenizer
        base_path = os.path.join(SHARED, "data", "vocab", "llama3.tokenizer.json")
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "llama3_ko.json")
            subprocess.run([FAIRTOK, "extend", "-t", base_path, "--input",
                            "kor_Hang=" + os.path.join(CORPUS, "ko.klue-dev.txt"), "--add", "1000",
                            "--quiet", "-o", out], check=True)
            tok = Tokenizer.from_file(out)
            base = Tokenizer.from_file(base_path)
            self.assertEqual(tok.get_vocab_size(), base.get_vocab_size() + 1000)
            for t, i in base.get_vocab().items():
                self.assertEqual(tok.token_to_id(t), i)
            texts = lines(os.path.join(FLORES, "kor_Hang.dev"), 997) + lines(os.path.join(FLORES, "eng_Latn.dev"), 300)
            ours = fairtok_ids(out, texts)
            shorter = 0
            for t, a in zip(texts, ours):
                ids = tok.encode(t, add_special_tokens=False).ids
                self.assertEqual(a, ids, t)
                b = base.encode(t, add_special_tokens=False).ids
                if not has_hangul(t):
                    self.assertEqual(ids, b, t)
                shorter += len(ids) < len(b)
            self.assertGreater(shorter, 800)


if __name__ == "__main__":
    unittest.main()
