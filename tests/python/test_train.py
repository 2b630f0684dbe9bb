"""`fairtok train` output in the reference libraries: the tokenizer.json loads in Hugging Face
tokenizers and transformers' PreTrainedTokenizerFast, the .tiktoken (with its .json sidecar) in
tiktoken, and all of them give fairtok's ids on the conformance texts.

Run: .venv/bin/python -m unittest tests/python/test_train.py -v
(needs target/release/fairtok, or FAIRTOK_BIN; ../shared or FAIRTOK_SHARED).
"""
import json
import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("FAIRTOK_SHARED", os.path.join(ROOT, "..", "shared"))
FAIRTOK = os.environ.get("FAIRTOK_BIN", os.path.join(ROOT, "target", "release", "fairtok"))


def conformance_texts():
    with open(os.path.join(SHARED, "conformance", "public.jsonl"), encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


class TrainedTokenizers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(FAIRTOK):
            raise unittest.SkipTest(f"{FAIRTOK} not built (cargo build --release, or set FAIRTOK_BIN)")
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        corpus = os.path.join(SHARED, "data", "corpus")
        inputs = ["--input", "ko=" + os.path.join(corpus, "ko.konlpy.txt") + ","
                  + os.path.join(corpus, "ko.debian-faq.txt"),
                  "--input", "en=" + os.path.join(corpus, "en.debian-docs.txt")]
        cls.json = os.path.join(d, "trained.json")
        cls.tiktoken = os.path.join(d, "trained.tiktoken")
        for out, fmt in [(cls.json, "hf"), (cls.tiktoken, "tiktoken")]:
            subprocess.run([FAIRTOK, "train", *inputs, "--vocab-size", "5000", "--pattern",
                            "o200k", "--special", "<|endoftext|>", "--format", fmt, "--quiet",
                            "-o", out], check=True)
        cls.texts = conformance_texts()
        # fairtok's own ids, from the .tiktoken file (tiktoken's rule).
        jsonl = "".join(json.dumps({"text": t}) + "\n" for t in cls.texts)
        out = subprocess.run([FAIRTOK, "encode", "-t", cls.tiktoken, "--jsonl"], input=jsonl,
                             capture_output=True, text=True, check=True).stdout
        cls.fairtok_ids = [json.loads(line) for line in out.splitlines()]
        # ... and from the tokenizer.json (HF's rule: added tokens in the text are matched).
        out = subprocess.run([FAIRTOK, "encode", "-t", cls.json, "--jsonl"],
                             input=jsonl, capture_output=True, text=True, check=True).stdout
        cls.fairtok_hf_ids = [json.loads(line) for line in out.splitlines()]

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_fairtok_formats_agree(self):
        # The merge rule of tokenizer.json gives the ids of the .tiktoken rule. (Only a special
        # token written in the text differs: HF matches it, tiktoken's encode_ordinary does not.)
        self.assertEqual(len(self.fairtok_ids), len(self.texts))
        n = 0
        for text, a, b in zip(self.texts, self.fairtok_ids, self.fairtok_hf_ids):
            if "<|endoftext|>" not in text:
                self.assertEqual(a, b, text[:80])
                n += 1
        self.assertGreater(n, 1000)

    def test_hf_tokenizers(self):
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(self.json)
        self.assertEqual(tok.get_vocab_size(), 5000)
        for text, want in zip(self.texts, self.fairtok_hf_ids):
            enc = tok.encode(text, add_special_tokens=False)
            self.assertEqual(enc.ids, want, text[:80])
            self.assertEqual(tok.decode(enc.ids, skip_special_tokens=False), text)
        self.assertEqual(tok.token_to_id("<|endoftext|>"), 4999)

    def test_tiktoken(self):
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe
        with open(self.tiktoken + ".json", encoding="utf-8") as f:
            meta = json.load(f)
        enc = tiktoken.Encoding(mergeable_ranks=load_tiktoken_bpe(self.tiktoken), **meta)
        self.assertEqual(enc.n_vocab, 5000)
        for text, want in zip(self.texts, self.fairtok_ids):
            self.assertEqual(enc.encode_ordinary(text), want, text[:80])
            self.assertEqual(enc.decode(want), text)
        self.assertEqual(enc.encode("<|endoftext|>", allowed_special="all"), [4999])

    def test_transformers_fast_tokenizer(self):
        try:
            from transformers import PreTrainedTokenizerFast
        except ImportError:
            self.skipTest("transformers is not installed")
        tok = PreTrainedTokenizerFast(tokenizer_file=self.json)
        for text, want in list(zip(self.texts, self.fairtok_hf_ids))[:300]:
            self.assertEqual(tok.encode(text, add_special_tokens=False), want, text[:80])
            self.assertEqual(tok.decode(want, skip_special_tokens=False), text)


class SpecialTokenAlsoInText(unittest.TestCase):
    """A special token whose text is frequent in the training text (`###` in Markdown) is never
    learned as an ordinary token: in the .tiktoken output it has one id, the one tiktoken and
    fairtok give; a tokenizer.json cannot hold it apart from the piece `###` that the
    pre-tokenizer makes, so that format is refused with the reason."""

    def test_one_id_or_refused(self):
        if not os.path.exists(FAIRTOK):
            self.skipTest(f"{FAIRTOK} not built (cargo build --release, or set FAIRTOK_BIN)")
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe
        with tempfile.TemporaryDirectory() as d:
            corpus = os.path.join(d, "notes.md")
            with open(corpus, "w", encoding="utf-8") as f:
                for i in range(3000):
                    f.write(f"### Title {i % 37}\n\nSome text about item {i}.\n\n")
            train = [FAIRTOK, "train", "--input", "en=" + corpus, "--vocab-size", "400",
                     "--special", "###", "--quiet", "-o"]
            out = os.path.join(d, "t.tiktoken")
            subprocess.run([*train, out, "--format", "tiktoken"], check=True)
            ranks = load_tiktoken_bpe(out)
            self.assertNotIn(b"###", ranks)
            self.assertIn(b"##", ranks)  # it was frequent enough to be learned
            with open(out + ".json", encoding="utf-8") as f:
                meta = json.load(f)
            tt = tiktoken.Encoding(mergeable_ranks=ranks, **meta)
            text = "### T\n#### deeper ###"
            for special, kw in [("all", {"allowed_special": "all"}), ("none", {})]:
                want = tt.encode(text, **kw) if kw else tt.encode_ordinary(text)
                got = subprocess.run([FAIRTOK, "encode", "-t", out, "--special", special],
                                     input=text, capture_output=True, text=True,
                                     check=True).stdout
                self.assertEqual([int(x) for x in got.split()], want, special)
            self.assertEqual(tt.encode("###", allowed_special="all"), [399])
            hf = os.path.join(d, "t.json")
            r = subprocess.run([*train, hf, "--format", "hf"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn('special token "###" (id 399) cannot be written', r.stderr)
            self.assertFalse(os.path.exists(hf))

if __name__ == "__main__":
    unittest.main()
