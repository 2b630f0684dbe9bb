"""`fairtok.train`: merges known by hand, in-memory texts against files, the files it writes
(loaded by fairtok, tiktoken and HF tokenizers), byte-identical output to `fairtok train`, the
statistics, parity-aware training (the command line's files, the highest dev premium
lowered), the GIL released, and every kind of bad argument."""

import json
import os
import pickle
import subprocess
import threading
import time

import pytest

import fairtok
from conftest import SHARED

CORPUS = SHARED / "data" / "corpus"
KO = CORPUS / "ko.konlpy.txt"
EN = CORPUS / "en.debian-docs.txt"

# Low ×5, lower ×2, newest ×6, widest ×3 (Sennrich et al.), one word per line.
SENNRICH = [w + "\n" for w, n in [("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)]
            for _ in range(n)]


def test_hand_computed_merges_from_texts():
    r = fairtok.train(texts=SENNRICH, vocab_size=261, specials=["<|end|>"])
    # Pair counts: es 9, st 9 (tie: (e,s) < (s,t) by id), then est 9, lo 7, ow 7 (tie: (l,o)
    # first), low 7.
    e, s, t, l, o, w = (ord(c) for c in "estlow")
    assert r.merges == [(e, s), (256, t), (l, o), (258, w)]
    assert r.merge_counts == [9, 9, 7, 7]
    assert r.tokens[256:] == [b"es", b"est", b"lo", b"low"]
    assert r.vocab_size == 261
    assert r.specials == [("<|end|>", 260)]
    enc = r.encoding
    assert isinstance(enc, fairtok.Encoding)
    assert enc.name == "fairtok" and enc.n_vocab == 261
    assert enc.encode_ordinary("low") == [259]
    assert enc.encode_ordinary("lowest") == [259, 257]
    assert enc.encode("<|end|>", allowed_special="all") == [260]
    with pytest.raises(ValueError, match="disallowed special token"):
        enc.encode("<|end|>")
    # 16 records of 95 bytes in all; each line is a word and a newline: 32 pre-tokens.
    assert r.languages == [{"lang": "und", "bytes": 95, "records": 16, "pieces": 32}]
    assert r.bytes_per_language == {"und": 95}
    assert r.files == [] and r.skipped_lines == 0 and r.first_skipped is None
    assert r.pattern == fairtok.get_encoding("o200k_base")._pat_str


def test_texts_train_exactly_as_the_file():
    with open(KO, encoding="utf-8", newline="") as f:
        lines = f.readlines()
    from_file = fairtok.train({"ko": KO}, vocab_size=1200, pattern="cl100k")
    from_texts = fairtok.train(texts={"ko": lines}, vocab_size=1200, pattern="cl100k", threads=2)
    assert from_file.merges == from_texts.merges
    assert from_file.merge_counts == from_texts.merge_counts
    assert from_file.languages == from_texts.languages
    assert from_file.languages[0]["bytes"] == os.path.getsize(KO)
    assert from_file.languages[0]["records"] == len(lines)
    # Files and texts combine, per language, in order of first appearance.
    both = fairtok.train([f"ko={KO}"], texts={"en": ["hello world\n"] * 3, "ko": lines},
                         vocab_size=300, pattern="cl100k")
    assert [x["lang"] for x in both.languages] == ["ko", "en"]
    assert both.languages[0]["bytes"] == 2 * os.path.getsize(KO)
    assert both.languages[1] == {"lang": "en", "bytes": 36, "records": 3, "pieces": 9}


def test_inputs_in_every_form_count_alike():
    forms = [
        f"ko={KO},{EN}",
        [f"ko={KO}", f"ko={EN}"],
        {"ko": [KO, str(EN)]},
        [{"ko": KO}, {"ko": EN}],
    ]
    results = [fairtok.train(f, vocab_size=400, threads=1) for f in forms]
    for r in results[1:]:
        assert r.merges == results[0].merges
        assert r.languages == results[0].languages
    assert results[0].languages[0]["lang"] == "ko"
    # A path alone is tagged und.
    assert fairtok.train(KO, vocab_size=300).languages[0]["lang"] == "und"


def test_outputs_load_in_fairtok_tiktoken_and_tokenizers(tmp_path, texts, tiktoken):
    from tiktoken.load import load_tiktoken_bpe
    from tokenizers import Tokenizer

    inputs = {"ko": [KO, CORPUS / "ko.debian-faq.txt"], "en": EN}
    hf = fairtok.train(inputs, vocab_size=3000, specials=["<|endoftext|>"],
                       output=tmp_path / "ko.json")
    tk = fairtok.train(inputs, vocab_size=3000, specials=["<|endoftext|>"],
                       output=tmp_path, format="tiktoken")
    assert hf.files == [str(tmp_path / "ko.json")]
    ranks = tmp_path / "vocab.tiktoken"
    assert tk.files == [str(ranks), str(ranks) + ".json"]
    assert hf.encoding.name == "ko" and tk.encoding.name == "vocab"
    assert hf.merges == tk.merges

    with open(str(ranks) + ".json", encoding="utf-8") as f:
        meta = json.load(f)
    ref_tk = tiktoken.Encoding(mergeable_ranks=load_tiktoken_bpe(str(ranks)), **meta)
    ref_hf = Tokenizer.from_file(str(tmp_path / "ko.json"))
    loaded = fairtok.load(tmp_path / "ko.json")
    sample = [t for t in texts if "<|endoftext|>" not in t]
    assert len(sample) > 1000
    for text in sample:
        ids = tk.encoding.encode_ordinary(text)
        assert ids == hf.encoding.encode_ordinary(text)
        assert ids == ref_tk.encode_ordinary(text), text[:80]
        assert ids == ref_hf.encode(text, add_special_tokens=False).ids, text[:80]
        assert ids == loaded.encode_ordinary(text)
    assert ref_tk.encode("<|endoftext|>", allowed_special="all") == [2999]
    assert tk.encoding.encode("<|endoftext|>", allowed_special="all") == [2999]


def test_same_files_as_the_command_line(tmp_path, fairtok_bin):
    for fmt, ext in [("hf", "json"), ("tiktoken", "tiktoken")]:
        cli, py = tmp_path / f"cli.{ext}", tmp_path / f"py.{ext}"
        subprocess.run([fairtok_bin, "train", "--input", f"ko={KO}", "--input", f"en={EN}",
                        "--vocab-size", "2000", "--pattern", "cl100k", "--special", "<|a|>,<|b|>",
                        "--max-token-bytes", "12", "--min-frequency", "2", "--format", fmt,
                        "--quiet", "-o", str(cli)], check=True)
        r = fairtok.train({"ko": KO, "en": EN}, vocab_size=2000, pattern="cl100k",
                          specials=["<|a|>", "<|b|>"], max_token_bytes=12, min_frequency=2,
                          format=fmt, output=py, name="cli")
        assert cli.read_bytes() == py.read_bytes()
        if fmt == "tiktoken":
            assert (tmp_path / "cli.tiktoken.json").read_bytes() == \
                (tmp_path / "py.tiktoken.json").read_bytes()
        assert max(len(t) for t in r.tokens) <= 12
        assert min(r.merge_counts) >= 2


def test_non_utf8_lines_are_skipped_or_fatal_with_strict(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"good line\nbad \xff\xfe line\nanother good line\n")
    r = fairtok.train({"en": p}, vocab_size=260)
    assert r.skipped_lines == 1
    assert r.first_skipped == (str(p), 2)
    assert r.languages[0]["records"] == 2
    out = tmp_path / "t.json"
    with pytest.raises(ValueError, match=r"bad.txt:2: invalid UTF-8 at byte 4"):
        fairtok.train({"en": p}, vocab_size=260, strict=True, output=out)
    assert not out.exists()


def test_bad_arguments_raise_with_the_trainers_message(tmp_path):
    with pytest.raises(ValueError, match=r"vocab_size: 257 is below 256 byte tokens \+ 2 special "
                                         r"tokens = 258"):
        fairtok.train(texts=["x"], vocab_size=257, specials=["<a>", "<b>"])
    with pytest.raises(ValueError, match=r'specials: "<a>" is given twice'):
        fairtok.train(texts=["x"], vocab_size=300, specials=["<a>", "<a>"])
    with pytest.raises(ValueError, match="nothing to train on"):
        fairtok.train(vocab_size=300)
    with pytest.raises(ValueError, match="empty corpus"):
        fairtok.train(texts=[], vocab_size=300)
    with pytest.raises(ValueError, match=r"expected LANG\[@WEIGHT\]=PATH"):
        fairtok.train("=x", vocab_size=300)
    with pytest.raises(ValueError, match="invalid pre-tokenizer pattern"):
        fairtok.train(texts=["x"], vocab_size=300, pattern="(unclosed")
    with pytest.raises(ValueError, match='format must be "hf" or "tiktoken"'):
        fairtok.train(texts=["x"], vocab_size=300, format="json")
    with pytest.raises(ValueError, match="threads: must be at least 1"):
        fairtok.train(texts=["x"], vocab_size=300, threads=0)
    with pytest.raises(FileNotFoundError, match="/no/such/file.txt"):
        fairtok.train({"en": "/no/such/file.txt"}, vocab_size=300)
    # The output is checked before any training.
    with pytest.raises(FileNotFoundError, match="no/such/dir/t.json"):
        fairtok.train(texts=["x"], vocab_size=300, output=tmp_path / "no/such/dir/t.json")
    j = tmp_path / "x.jsonl"
    j.write_text('{"text": "ok"}\nnot json\n')
    with pytest.raises(ValueError, match="x.jsonl:2: not a JSON object"):
        fairtok.train({"en": j}, vocab_size=300)
    j.write_text('{"body": "ok"}\n')
    with pytest.raises(ValueError, match=r"no string field `text` \(the text field\)"):
        fairtok.train({"en": j}, vocab_size=300)
    assert fairtok.train({"en": j}, vocab_size=258, text_field="body").merges == [(111, 107)]
    with pytest.raises(TypeError, match="one str"):
        fairtok.train(texts="low lower", vocab_size=300)
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        fairtok.train(texts=["x"], vocab_size="300")
    with pytest.raises(TypeError, match="inputs"):
        fairtok.train(3, vocab_size=300)


def test_training_releases_the_gil():
    with open(CORPUS / "ko.klue-dev.txt", encoding="utf-8") as f:
        lines = f.readlines() * 100  # 86 MB: long enough to watch (25 MB took 0.3 s)
    stop = threading.Event()
    stamps = []

    def tick():
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    t0 = time.perf_counter()
    fairtok.train(texts=lines, vocab_size=20000, threads=1)
    t1 = time.perf_counter()
    stop.set()
    ticker.join()
    inside = [s for s in stamps if t0 <= s <= t1]
    longest_gap = max(b - a for a, b in zip([t0] + inside, inside + [t1]))
    # Held through the Rust part, the GIL would stop the ticker for most of the call.
    assert t1 - t0 > 0.3
    assert longest_gap < (t1 - t0) / 2, (longest_gap, t1 - t0)


def test_trained_encoding_pickles_and_decodes():
    r = fairtok.train(texts=SENNRICH, vocab_size=261, specials=["<|end|>"])
    enc = pickle.loads(pickle.dumps(r.encoding))
    assert enc.encode_ordinary("lowest newer") == r.encoding.encode_ordinary("lowest newer")
    assert enc.encode("<|end|>", allowed_special="all") == [260]
    assert enc.decode(r.encoding.encode_ordinary("widest lower")) == "widest lower"
    assert enc.decode_single_token_bytes(259) == b"low"


# Parity-aware training: Korean and English with the FLORES-200 dev set (FLORES tags).
FLORES = SHARED / "data" / "parallel" / "flores200-dev"
KLUE = CORPUS / "ko.klue-dev.txt"
PARITY_INPUTS = {"kor_Hang": KLUE, "eng_Latn": EN}


def _dev_lines(lang):
    """A dev file's lines as `fairtok train --parity-dev` splits them."""
    with open(FLORES / f"{lang}.dev", encoding="utf-8", newline="") as f:
        text = f.read()
    return [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]


def _dev_tokens(encoding, lang):
    return sum(len(encoding.encode_ordinary(line)) for line in _dev_lines(lang))


def _summary_rows(stderr):
    """`{lang: (dev before, dev after, merges)}` from the summary of `fairtok train`."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("language")) + 1
    rows = {}
    for line in lines[start:]:
        lang, before, after, _, _, merges = line.split()
        rows[lang] = (int(before), int(after), int(merges))
    return rows


@pytest.mark.parametrize("cli_args,kwargs,fmt", [
    ([], {}, "tiktoken"),
    (["--pivot", "kor_Hang", "--parity-hybrid", "500", "--parity-window", "200",
      "--parity-window-max", "150"],
     {"pivot": "kor_Hang", "parity_hybrid": 500, "parity_window": 200, "parity_window_max": 150},
     "hf"),
    (["--parity-window", "64"], {"parity_window": 64}, "hf"),
])
def test_parity_same_files_as_the_command_line(tmp_path, fairtok_bin, cli_args, kwargs, fmt):
    ext = "json" if fmt == "hf" else "tiktoken"
    cli, py = tmp_path / f"cli.{ext}", tmp_path / f"py.{ext}"
    done = subprocess.run(
        [fairtok_bin, "train", "--input", f"kor_Hang={KLUE}", "--input", f"eng_Latn={EN}",
         "--vocab-size", "3000", "--special", "<|endoftext|>", "--parity-dev", str(FLORES),
         *cli_args, "--format", fmt, "-o", str(cli)],
        check=True, capture_output=True, text=True)
    r = fairtok.train(PARITY_INPUTS, vocab_size=3000, specials=["<|endoftext|>"],
                      parity_dev=FLORES, format=fmt, output=py, name="cli", **kwargs)
    assert cli.read_bytes() == py.read_bytes()
    if fmt == "tiktoken":
        assert (tmp_path / "cli.tiktoken.json").read_bytes() == \
            (tmp_path / "py.tiktoken.json").read_bytes()
    # The report is the command line's summary, and its counts are the encoding's.
    rows = _summary_rows(done.stderr)
    p = r.parity
    assert [x["lang"] for x in p["languages"]] == ["kor_Hang", "eng_Latn"]
    for x in p["languages"]:
        assert rows[x["lang"]] == (x["dev_tokens_before"], x["dev_tokens_after"], x["merges"])
        # Before the first merge a dev line is one token per byte.
        assert x["dev_tokens_before"] == sum(len(line.encode()) for line in _dev_lines(x["lang"]))
        assert x["dev_tokens_after"] == _dev_tokens(r.encoding, x["lang"])
    assert p["global_merges"] + sum(x["merges"] for x in p["languages"]) == len(r.merges)
    assert p["pivot"] == kwargs.get("pivot", "eng_Latn")
    assert p["hybrid"] == kwargs.get("parity_hybrid", 0)
    pivot = next(x for x in p["languages"] if x["lang"] == p["pivot"])
    assert pivot["premium_after"] == 1.0
    assert r.dev_premiums == {x["lang"]: x["dev_tokens_after"] / pivot["dev_tokens_after"]
                              for x in p["languages"]}
    if "parity_window" in kwargs:
        # The default cap: ceil(2 × 64 / 2 languages) = 64.
        assert p["window"] == (kwargs["parity_window"], kwargs.get("parity_window_max", 64))
    else:
        assert p["window"] is None


def test_parity_lowers_the_highest_dev_premium():
    classical = fairtok.train(PARITY_INPUTS, vocab_size=3000)
    parity = fairtok.train(PARITY_INPUTS, vocab_size=3000, parity_dev=FLORES)
    assert classical.parity is None and classical.dev_premiums is None
    assert classical.merges != parity.merges

    def premiums(r):
        """Dev tokens per language over those of the best-served language."""
        tokens = {lang: _dev_tokens(r.encoding, lang) for lang in PARITY_INPUTS}
        return {lang: n / min(tokens.values()) for lang, n in tokens.items()}

    before, after = premiums(classical), premiums(parity)
    # Classical BPE serves the bigger Korean corpus better: English dev text is >10% longer.
    assert before["eng_Latn"] > 1.1, before
    assert max(after.values()) < 1.01, after
    assert max(after.values()) < max(before.values())
    eng = _dev_tokens(parity.encoding, "eng_Latn")
    assert parity.dev_premiums == pytest.approx(
        {lang: _dev_tokens(parity.encoding, lang) / eng for lang in PARITY_INPUTS})
    # Korean, the longer in tokens to start with, is chosen for merges too.
    assert all(x["merges"] > 0 for x in parity.parity["languages"])


def test_parity_dev_lines_texts_and_excluded_languages(tmp_path):
    by_dir = fairtok.train(PARITY_INPUTS, vocab_size=1500, parity_dev=FLORES, parity_window=50)
    # The dev text in memory, lines with or without their ends, trains alike.
    dev = {"eng_Latn": [x + "\n" for x in _dev_lines("eng_Latn")],
           "kor_Hang": _dev_lines("kor_Hang"), "fra_Latn": ["unused"]}
    by_lines = fairtok.train(PARITY_INPUTS, vocab_size=1500, parity_dev=dev, parity_window=50)
    assert by_lines.merges == by_dir.merges and by_lines.parity == by_dir.parity
    # Texts in memory are counted per language as files are.
    with open(EN, encoding="utf-8", newline="") as f:
        en = f.readlines()
    from_texts = fairtok.train({"kor_Hang": KLUE}, texts={"eng_Latn": en},
                               vocab_size=1500, parity_dev=FLORES, parity_window=50)
    assert from_texts.merges == by_dir.merges
    # An excluded language (no dev text) gets only global merges; the others are balanced.
    r = fairtok.train({**PARITY_INPUTS, "code": CORPUS / "ko.konlpy.txt"}, vocab_size=1500,
                      parity_dev=FLORES, parity_exclude=["code"], parity_hybrid=100)
    assert [x["lang"] for x in r.parity["languages"]] == ["kor_Hang", "eng_Latn"]
    assert r.parity["global_merges"] >= 100
    assert [x["lang"] for x in r.languages] == ["kor_Hang", "eng_Latn", "code"]


def test_bad_parity_options_raise(tmp_path):
    only_en = tmp_path / "dev"
    only_en.mkdir()
    (only_en / "eng_Latn.dev").write_bytes((FLORES / "eng_Latn.dev").read_bytes())
    missing = str(only_en / "kor_Hang.dev")
    with pytest.raises(ValueError, match=rf"parity_dev: no dev file {missing} for kor_Hang "
                                         r"\(give it, or exclude the language\)"):
        fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev=only_en)
    with pytest.raises(ValueError, match="parity_dev: no dev lines for kor_Hang"):
        fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev={"eng_Latn": ["hello"]})
    with pytest.raises(ValueError, match='parity_dev: "kor_Hang": no lines'):
        fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev={"eng_Latn": ["a"], "kor_Hang": []})
    with pytest.raises(ValueError, match=r"parity_dev: .*eng_Latn.dev: not a directory"):
        fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev=only_en / "eng_Latn.dev")
    bad = {
        "pivot: fra_Latn: not an input language with dev text": {"pivot": "fra_Latn"},
        "parity_exclude: fra_Latn: no input of that language":
            {"parity_exclude": ["fra_Latn"]},
        "every input language is excluded": {"parity_exclude": ["kor_Hang", "eng_Latn"]},
        "parity_window: must be at least 1": {"parity_window": 0},
        "parity_window_max: must be at least 1": {"parity_window": 10, "parity_window_max": 0},
        "parity_window_max: applies with a parity window": {"parity_window_max": 10},
    }
    for msg, kwargs in bad.items():
        with pytest.raises(ValueError, match=msg):
            fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev=FLORES, **kwargs)
    for kw in [{"pivot": "eng_Latn"}, {"parity_hybrid": 10}, {"parity_window": 10},
               {"parity_exclude": ["eng_Latn"]}]:
        with pytest.raises(ValueError, match=f"{next(iter(kw))} needs parity_dev"):
            fairtok.train(PARITY_INPUTS, vocab_size=300, **kw)
    with pytest.raises(ValueError, match="parity_hybrid must not be negative"):
        fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev=FLORES, parity_hybrid=-1)
    with pytest.raises(TypeError, match="parity_dev"):
        fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev=["eng_Latn.dev"])
    # Nothing is written when the options are refused.
    out = tmp_path / "t.json"
    with pytest.raises(ValueError):
        fairtok.train(PARITY_INPUTS, vocab_size=300, parity_dev=only_en, output=out)
    assert not out.exists()
