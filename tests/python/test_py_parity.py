"""`fairtok.parity`: the same report as `fairtok parity --json` on the same input (bundled sample,
directory, files per language), a premium computed by hand with the real tiktoken on a tiny
in-memory corpus, Encoding objects as tokenizers, and every kind of bad argument."""

import json
import subprocess

import pytest

import fairtok

LANGS8 = ["kor_Hang", "eng_Latn", "jpn_Jpan", "zho_Hans", "hin_Deva", "arb_Arab", "tha_Thai",
          "vie_Latn"]


def cli_json(fairtok_bin, tmp_path, *args):
    out = tmp_path / "cli.json"
    subprocess.run([fairtok_bin, "parity", "--quiet", "--json", str(out), *args], check=True)
    return out.read_bytes()


def test_default_run_is_every_builtin_on_the_bundled_sample():
    r = fairtok.parity()
    assert [t["name"] for t in r["tokenizers"]] == ["cl100k_base", "o200k_base", "o200k_ko",
                                                    "o200k_ko_sw", "r50k_base", "p50k_base"]
    assert r["pivot"] == "eng_Latn"
    assert r["corpus"].startswith("FLORES-200 dev")
    for t in r["tokenizers"]:
        assert [x["lang"] for x in t["languages"]] == LANGS8
        eng = t["languages"][1]
        assert eng["premium"] == 1.0 and eng["lines"] == 997
        assert "cost_usd" not in eng and "price_usd_per_million" not in t


def test_equals_the_command_line_json_on_the_bundled_sample(tmp_path, fairtok_bin):
    cli = cli_json(fairtok_bin, tmp_path, "-t", "cl100k_base,o200k_base", "--price", "2.5,0.6",
                   "--langs", "kor_Hang,jpn_Jpan")
    mine = tmp_path / "py.json"
    r = fairtok.parity(["cl100k_base", "o200k_base"], langs=["kor_Hang", "jpn_Jpan"],
                       price=[2.5, 0.6], json_path=mine)
    assert r == json.loads(cli)
    assert mine.read_bytes() == cli
    assert r["tokenizers"][1]["price_usd_per_million"] == 0.6
    assert [x["lang"] for x in r["tokenizers"][0]["languages"]] == ["kor_Hang", "jpn_Jpan",
                                                                    "eng_Latn"]
    # The default run too (every built-in, all eight languages).
    assert fairtok.parity() == json.loads(cli_json(fairtok_bin, tmp_path))


def test_equals_the_command_line_json_on_files(tmp_path, fairtok_bin):
    d = tmp_path / "flores"
    d.mkdir()
    (d / "eng_Latn.dev").write_text("Hello world.\nGood morning.\r\nSee you.\n")
    (d / "kor_Hang.dev").write_text("안녕하세요 세계.\n좋은 아침.\n또 봐요.\n")
    (d / "jpn_Jpan.dev").write_text("こんにちは世界。\nおはよう。\nまたね。")
    cli = cli_json(fairtok_bin, tmp_path, "-t", "o200k_base,gpt2", "--parallel", str(d),
                   "--price", "1.25")
    r = fairtok.parity(["o200k_base", "gpt2"], d, price=1.25)
    assert r == json.loads(cli)
    assert r["corpus"] == str(d)
    assert [x["lang"] for x in r["tokenizers"][0]["languages"]] == ["eng_Latn", "jpn_Jpan",
                                                                    "kor_Hang"]
    # Files per language (--pair), with a pivot of our own.
    cli = cli_json(fairtok_bin, tmp_path, "-t", "cl100k_base", "--pair",
                   f"en={d / 'eng_Latn.dev'}", "--pair", f"ko={d / 'kor_Hang.dev'}",
                   "--pivot", "ko")
    r = fairtok.parity("cl100k_base", {"en": d / "eng_Latn.dev", "ko": str(d / "kor_Hang.dev")},
                       pivot="ko")
    assert r == json.loads(cli)
    # A tokenizer file, as a path.
    vocab = tmp_path / "t.tiktoken"
    fairtok.train({"en": d / "eng_Latn.dev"}, vocab_size=270, output=vocab, format="tiktoken")
    cli = cli_json(fairtok_bin, tmp_path, "-t", str(vocab), "--parallel", str(d))
    assert fairtok.parity([vocab], d) == json.loads(cli)


def test_hand_computed_premium_on_a_tiny_corpus(tiktoken):
    cl = tiktoken.get_encoding("cl100k_base")
    eng = ["hello world", "hi"]
    kor = ["안녕하세요 세계", "안녕"]
    r = fairtok.parity("cl100k_base", {"eng": eng, "kor": kor}, pivot="eng", price=2.0)
    assert r["pivot"] == "eng" and r["corpus"] == "in-memory corpus"
    (t,) = r["tokenizers"]
    assert t["name"] == "cl100k_base" and t["vocab_size"] == cl.n_vocab
    e = [len(cl.encode_ordinary(x)) for x in eng]
    k = [len(cl.encode_ordinary(x)) for x in kor]
    te, tk = sum(e), sum(k)
    le, lk = t["languages"]
    assert (le["lang"], le["tokens"], le["premium"]) == ("eng", te, 1.0)
    assert (lk["lang"], lk["tokens"]) == ("kor", tk)
    assert lk["premium"] == tk / te
    assert lk["mean_line_premium"] == pytest.approx((k[0] / e[0] + k[1] / e[1]) / 2, abs=1e-12)
    assert (lk["lines"], lk["words"], lk["chars"]) == (2, 3, 10)
    assert lk["bytes"] == len("".join(kor).encode("utf-8"))
    assert lk["bytes_per_token"] == lk["bytes"] / tk
    assert lk["tokens_per_word"] == tk / 3
    assert lk["cost_usd"] == pytest.approx(tk * 2.0 / 1e6, rel=1e-12)
    # Gini of two totals: |a - b| / (2 (a + b)).
    assert t["gini"] == pytest.approx(abs(te - tk) / (2 * (te + tk)), abs=1e-12)
    assert t["highest_premium"] == ["kor"]


def test_encodings_and_trained_tokenizers_are_measured_as_given():
    corpus = {"en": ["low lower", "newest widest"], "xx": ["lowest", "newer"]}
    trained = fairtok.train(texts=["low lower newest widest\n"] * 5, vocab_size=270, name="mine")
    r = fairtok.parity([trained.encoding, fairtok.get_encoding("r50k_base")], corpus, pivot="en")
    assert [t["name"] for t in r["tokenizers"]] == ["mine", "r50k_base"]
    assert r["tokenizers"][0]["vocab_size"] == trained.vocab_size
    tokens = [sum(len(trained.encoding.encode_ordinary(x)) for x in corpus[lang])
              for lang in ("en", "xx")]
    assert [x["tokens"] for x in r["tokenizers"][0]["languages"]] == tokens
    # Model names resolve like the command line's.
    assert fairtok.parity("gpt-4o", corpus, pivot="en")["tokenizers"][0]["name"] == "o200k_base"


def test_reports_are_written(tmp_path):
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    fairtok.parity("o200k_base", langs=["kor_Hang"], html_path=html, markdown_path=md)
    assert html.read_text().startswith("<!DOCTYPE html>") and "<svg" in html.read_text()
    text = md.read_text()
    assert text.startswith("# Token premium vs eng_Latn") and "| kor_Hang |" in text


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="unknown language `deu`"):
        fairtok.parity("cl100k_base", {"eng": ["a"]}, pivot="deu")
    with pytest.raises(ValueError, match="unknown language `xxx_Xxxx`"):
        fairtok.parity("cl100k_base", langs=["xxx_Xxxx"])
    with pytest.raises(ValueError, match="line counts differ"):
        fairtok.parity("cl100k_base", {"eng": ["a", "b"], "kor": ["가"]}, pivot="eng")
    with pytest.raises(ValueError, match="3 prices for 2 tokenizers"):
        fairtok.parity(["cl100k_base", "o200k_base"], price=[1, 2, 3])
    with pytest.raises(ValueError, match="either a path or lines"):
        fairtok.parity("cl100k_base", {"eng": ["a"], "kor": tmp_path / "k.txt"}, pivot="eng")
    with pytest.raises(ValueError, match=r"corpus\['kor'\]: no lines"):
        fairtok.parity("cl100k_base", {"eng": ["a"], "kor": []}, pivot="eng")
    with pytest.raises(FileNotFoundError, match="/no/such/dir"):
        fairtok.parity("cl100k_base", "/no/such/dir")
    with pytest.raises(FileNotFoundError):
        fairtok.parity("/no/such/tokenizer.json")
    bad = tmp_path / "tha_Thai.dev"
    bad.write_bytes(b"ok\n\xff\n")
    with pytest.raises(ValueError, match="invalid UTF-8"):
        fairtok.parity("cl100k_base", {"tha": bad, "eng": bad}, pivot="eng")
    with pytest.raises(TypeError, match="tokenizers"):
        fairtok.parity([3])
    with pytest.raises(TypeError, match="corpus"):
        fairtok.parity("cl100k_base", 3)
