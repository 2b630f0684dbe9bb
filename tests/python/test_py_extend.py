"""`fairtok.extend`: byte-identical output to `fairtok extend`, ids equal to tiktoken's on the
files it writes, every o200k_base id kept and text without Hangul encoded as o200k_base,
in-memory texts against files, parity-aware selection against a recount, a tokenizer.json base
in Hugging Face tokenizers, the GIL released, every kind of bad argument; and the `o200k_ko`
built-in."""

import json
import math
import pickle
import subprocess
import threading

import pytest

import fairtok
from conftest import SHARED, VOCAB

CORPUS = SHARED / "data" / "corpus"
FLORES = SHARED / "data" / "parallel" / "flores200-dev"
KLUE = CORPUS / "ko.klue-dev.txt"
FAQ = CORPUS / "ko.debian-faq.txt"
LLAMA3 = VOCAB / "llama3.tokenizer.json"

O200K_FIRST_NEW = 200019  # <|endofprompt|> is 200018


def dev_lines(lang):
    with open(FLORES / f"{lang}.dev", encoding="utf-8") as f:
        return f.read().splitlines()


def readlines(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.readlines()


def has_hangul(text):
    return any("\uac00" <= c <= "\ud7a3" or "\u1100" <= c <= "\u11ff" or "\u3130" <= c <= "\u318f"
               or "\ua960" <= c <= "\ua97f" or "\ud7b0" <= c <= "\ud7ff" or "\uffa0" <= c <= "\uffdc"
               for c in text)


def no_hangul_texts(texts):
    """FLORES dev lines in five scripts and the conformance texts, none with Hangul."""
    out = [t for t in texts if not has_hangul(t)]
    for lang in ("eng_Latn", "jpn_Jpan", "zho_Hans", "rus_Cyrl", "arb_Arab"):
        out += dev_lines(lang)
    assert not any(has_hangul(t) for t in out)
    return out


def load_in_tiktoken(tiktoken, path):
    """The real `tiktoken.Encoding` of a `.tiktoken` file and its `.json` sidecar."""
    import tiktoken.load

    with open(str(path) + ".json", encoding="utf-8") as f:
        kw = json.load(f)
    return tiktoken.Encoding(mergeable_ranks=tiktoken.load.load_tiktoken_bpe(str(path)), **kw)


# Two weighted inputs and whole-piece tokens: the o200k_ko recipe's mode, on a small corpus.
ARGS = dict(add=1000, whole_pieces=True, threads=2)
INPUTS = [f"kor_Hang={KLUE}", f"kor_Hang@0.5={FAQ}"]


@pytest.fixture(scope="module")
def ko(tmp_path_factory):
    out = tmp_path_factory.mktemp("py") / "ko.tiktoken"
    return fairtok.extend("o200k_base", INPUTS, output=out, **ARGS)


@pytest.fixture(scope="module")
def o200k(tiktoken):
    return tiktoken.get_encoding("o200k_base")


def test_result(ko):
    assert ko.first_id == O200K_FIRST_NEW
    assert ko.added == len(ko.tokens) == len(ko.merges) == len(ko.counts) == 1000
    assert list(ko.new_ids) == list(range(O200K_FIRST_NEW, O200K_FIRST_NEW + 1000))
    assert ko.script == "Hang" and ko.base == "o200k_base" and ko.name == "ko"
    assert ko.format == "tiktoken"
    assert ko.files == [str(ko.files[0]), str(ko.files[0]) + ".json"]
    assert ko.files[0].endswith("ko.tiktoken")
    assert ko.languages == ["kor_Hang"]
    assert [(i["lang"], i["weight"]) for i in ko.inputs] == [("kor_Hang", 1.0), ("kor_Hang", 0.5)]
    assert ko.inputs[0]["bytes"] == KLUE.stat().st_size
    assert ko.inputs[1]["records"] == len(readlines(FAQ))
    assert ko.chosen_by == [None] * 1000 and ko.dev_premium == []
    assert ko.skipped_lines == 0 and ko.pruned_pieces == 0
    # Whole-piece tokens have no pair; every other token is the bytes of its pair.
    enc = ko.encoding
    whole = [t for t, m in zip(ko.tokens, ko.merges) if m is None]
    assert whole
    for t, m in zip(ko.tokens, ko.merges):
        if m is not None:
            assert enc.decode_single_token_bytes(m[0]) + enc.decode_single_token_bytes(m[1]) == t
    assert all(has_hangul(t.decode("utf-8", "ignore")) or t[-1] >= 0x80 for t in ko.tokens)
    assert [enc.decode_single_token_bytes(i) for i in ko.new_ids] == ko.tokens
    assert enc.n_vocab == O200K_FIRST_NEW + 1000
    assert enc.name == "ko"


def test_same_tokens_and_files_as_the_command_line(ko, tmp_path, fairtok_bin):
    out = tmp_path / "ko.tiktoken"
    cmd = [fairtok_bin, "extend", "-t", "o200k_base", "--add", "1000", "--whole-pieces",
           "--threads", "2", "--quiet", "-o", str(out)]
    for spec in INPUTS:
        cmd += ["--input", spec]
    subprocess.run(cmd, check=True)
    for mine, theirs in zip(ko.files, [out, str(out) + ".json"]):
        with open(mine, "rb") as a, open(theirs, "rb") as b:
            assert a.read() == b.read(), mine
    # The command line's file loaded by fairtok has the tokens the Python result lists.
    cli = fairtok.load(out)
    assert [cli.decode_single_token_bytes(i) for i in ko.new_ids] == ko.tokens


def test_encoding_gives_tiktokens_ids_on_korean(ko, tiktoken, o200k):
    ref = load_in_tiktoken(tiktoken, ko.files[0])
    lines = dev_lines("kor_Hang")
    want = ref.encode_ordinary_batch(lines)
    assert ko.encoding.encode_ordinary_batch(lines) == want
    assert fairtok.load(ko.files[0]).encode_ordinary_batch(lines) == want
    # The new tokens are used, and Korean (not trained on) costs fewer tokens.
    assert any(i >= O200K_FIRST_NEW for ids in want for i in ids)
    before = sum(len(x) for x in o200k.encode_ordinary_batch(lines))
    after = sum(len(x) for x in want)
    assert after < 0.97 * before  # 1000 tokens from 1 MB of text: about 5% fewer
    assert ko.encoding.decode_batch(want) == lines


def test_every_o200k_id_kept_and_other_text_encodes_as_o200k(ko, tiktoken, o200k, texts):
    ref = load_in_tiktoken(tiktoken, ko.files[0])
    ranks = ref._mergeable_ranks
    assert all(ranks[b] == i for b, i in o200k._mergeable_ranks.items())
    assert len(ranks) == len(o200k._mergeable_ranks) + 1000
    assert ref._special_tokens == o200k._special_tokens
    assert ko.encoding._special_tokens == o200k._special_tokens
    other = no_hangul_texts(texts)
    want = o200k.encode_ordinary_batch(other)
    assert ko.encoding.encode_ordinary_batch(other) == want
    assert ref.encode_ordinary_batch(other) == want


def test_texts_extend_exactly_as_the_file():
    lines = readlines(KLUE)
    args = dict(add=300, threads=2)
    from_file = fairtok.extend("o200k_base", {"kor_Hang": KLUE}, **args)
    from_texts = fairtok.extend("o200k_base", texts={"kor_Hang": lines}, **args)
    for a, b in [(from_file, from_texts)]:
        assert a.tokens == b.tokens and a.merges == b.merges and a.counts == b.counts
        assert a.inputs == b.inputs
    assert from_texts.inputs == [{"lang": "kor_Hang", "weight": 1.0, "bytes": KLUE.stat().st_size,
                                  "records": len(lines),
                                  "pieces": from_file.inputs[0]["pieces"]}]
    assert from_file.name == "fairtok" and from_file.files == []
    # Weighted: a dict key, a text key and a spec string weigh alike; a weight changes the
    # counts (and so the choice) against an unweighted second input.
    small = readlines(FAQ)
    weighted = [
        fairtok.extend("o200k_base", [f"kor_Hang={KLUE}", f"kor_Hang@3={FAQ}"], **args),
        fairtok.extend("o200k_base", [{"kor_Hang": KLUE}, {"kor_Hang@3": FAQ}], **args),
        fairtok.extend("o200k_base", {"kor_Hang": KLUE}, texts={"kor_Hang@3": small}, **args),
    ]
    for w in weighted[1:]:
        assert w.tokens == weighted[0].tokens and w.counts == weighted[0].counts
    unweighted = fairtok.extend("o200k_base", [f"kor_Hang={KLUE}", f"kor_Hang={FAQ}"], **args)
    assert unweighted.tokens != weighted[0].tokens


def test_base_as_encoding_or_file_is_the_base_by_name(tmp_path):
    texts = {"ko": readlines(FAQ)}
    by_name = fairtok.extend("o200k_base", texts=texts, add=50)
    by_enc = fairtok.extend(fairtok.get_encoding("o200k_base"), texts=texts, add=50)
    assert by_enc.tokens == by_name.tokens and by_name.script == "Hang"
    # A file made by extend extends further, from its last id on.
    first = fairtok.extend("o200k_base", texts=texts, add=50, output=tmp_path / "a.tiktoken")
    more = fairtok.extend(fairtok.load(first.files[0]), texts=texts, add=20)
    assert more.first_id == O200K_FIRST_NEW + 50
    assert not set(more.tokens) & set(first.tokens)
    with pytest.raises(ValueError, match="base: an Encoding can be extended only if"):
        fairtok.extend(by_name.encoding, texts=texts, add=5)


def test_parity_dev_premium_is_the_recounted_premium():
    texts = {"kor_Hang": readlines(FAQ)}
    kor, eng = dev_lines("kor_Hang"), dev_lines("eng_Latn")
    r = fairtok.extend("o200k_base", texts=texts, add=40, parity_dev=FLORES, threads=2)
    assert len(r.dev_premium) == r.added == 40
    assert r.chosen_by == ["kor_Hang"] * 40
    o200k = fairtok.get_encoding("o200k_base")
    pivot = sum(o200k.count_batch(eng))
    assert math.isclose(r.dev_premium[-1]["kor_Hang"], sum(r.encoding.count_batch(kor)) / pivot)
    premiums = [p["kor_Hang"] for p in r.dev_premium]
    assert premiums == sorted(premiums, reverse=True)
    assert premiums[-1] < sum(o200k.count_batch(kor)) / pivot
    # The dev set as lines in memory selects alike.
    lines = fairtok.extend("o200k_base", texts=texts, add=40, threads=2,
                           parity_dev={"kor_Hang": kor, "eng_Latn": eng})
    assert lines.tokens == r.tokens and lines.dev_premium == r.dev_premium


def test_tokenizer_json_base_loads_in_hugging_face(tmp_path):
    from tokenizers import Tokenizer

    r = fairtok.extend(LLAMA3, texts={"kor_Hang": readlines(FAQ)}, add=30,
                       output=tmp_path / "llama3_ko.json")
    assert r.format == "hf" and r.first_id == 128256 and r.added == 30
    hf = Tokenizer.from_file(r.files[0])
    lines = dev_lines("kor_Hang")[:200] + dev_lines("eng_Latn")[:50]
    want = [e.ids for e in hf.encode_batch(lines, add_special_tokens=False)]
    assert r.encoding.encode_ordinary_batch(lines) == want
    assert any(i >= 128256 for ids in want for i in ids)
    # It pickles by its file (Hugging Face's rule is not carried by ranks alone).
    again = pickle.loads(pickle.dumps(r.encoding))
    assert again.encode_ordinary_batch(lines) == want
    unsaved = fairtok.extend(LLAMA3, texts={"kor_Hang": readlines(FAQ)}, add=5)
    with pytest.raises(TypeError, match="give extend\\(\\) output="):
        pickle.dumps(unsaved.encoding)


def test_extended_o200k_pickles_with_its_ranks(ko):
    again = pickle.loads(pickle.dumps(ko.encoding))
    lines = dev_lines("kor_Hang")[:100]
    assert again.encode_ordinary_batch(lines) == ko.encoding.encode_ordinary_batch(lines)
    assert again.n_vocab == ko.encoding.n_vocab


def test_extension_releases_the_gil():
    ticks = 0
    t = threading.Thread(target=fairtok.extend, args=("o200k_base", {"kor_Hang": KLUE}),
                         kwargs={"add": 300, "threads": 1})
    t.start()
    while t.is_alive():
        ticks += 1
    t.join()
    assert ticks > 1000


def test_bad_arguments_raise_value_error(tmp_path):
    small = {"kor_Hang": ["안녕하세요 세계\n"] * 5}
    with pytest.raises(ValueError, match=r'the weight "-1" is not a positive number'):
        fairtok.extend("o200k_base", f"kor_Hang@-1={FAQ}", add=10)
    with pytest.raises(ValueError, match=r'the weight "0" is not a positive number'):
        fairtok.extend("o200k_base", {"kor_Hang@0": FAQ}, add=10)
    with pytest.raises(ValueError, match=r'the weight "x" is not a positive number'):
        fairtok.extend("o200k_base", texts={"kor_Hang@x": ["안녕\n"]}, add=10)
    with pytest.raises(ValueError, match="add: must be at least 1"):
        fairtok.extend("o200k_base", texts=small, add=0)
    with pytest.raises(ValueError, match="add must not be negative"):
        fairtok.extend("o200k_base", texts=small, add=-3)
    with pytest.raises(ValueError, match='unknown script "Xyzw"'):
        fairtok.extend("o200k_base", texts=small, add=10, script="Xyzw")
    with pytest.raises(ValueError, match="can only be extended to a tokenizer.json"):
        fairtok.extend(LLAMA3, texts=small, add=10, format="tiktoken")
    with pytest.raises(ValueError, match='format must be "hf", "tiktoken" or "spm"'):
        fairtok.extend("o200k_base", texts=small, add=10, format="json")
    with pytest.raises(ValueError, match="different scripts; give the script"):
        fairtok.extend("o200k_base", texts={**small, "jpn_Jpan": ["日本語\n"]}, add=10)
    with pytest.raises(ValueError, match=r"without a language tag \(und\): give LANG\[@WEIGHT\]=PATH"):
        fairtok.extend("o200k_base", texts={"und": ["안녕\n"]}, add=10)
    with pytest.raises(ValueError, match="no piece of the inputs has a character of the script Hang"):
        fairtok.extend("o200k_base", texts={"kor_Hang": ["hello world\n"] * 5}, add=10)
    with pytest.raises(ValueError, match="nothing to learn from"):
        fairtok.extend("o200k_base", add=10)
    with pytest.raises(ValueError, match=r"without a language tag \(und\)"):
        fairtok.extend("o200k_base", "kor_Hang", add=10)
    with pytest.raises(ValueError, match="the pivot kor_Hang has characters of the script Hang"):
        fairtok.extend("o200k_base", texts=small, add=10, pivot="kor_Hang",
                       parity_dev={"kor_Hang": ["안녕\n"]})
    with pytest.raises(ValueError, match=r"parity_dev: no dev lines for eng_Latn \(the pivot\)"):
        fairtok.extend("o200k_base", texts=small, add=10, parity_dev={"kor_Hang": ["안녕"]})
    with pytest.raises(ValueError, match='parity_dev: "eng_Latn": no lines'):
        fairtok.extend("o200k_base", texts=small, add=10,
                       parity_dev={"kor_Hang": ["안녕"], "eng_Latn": []})
    with pytest.raises(ValueError, match="piece_bias: applies with whole-piece tokens"):
        fairtok.extend("o200k_base", texts=small, add=10, piece_bias=2.0)
    with pytest.raises(ValueError, match="piece_bias: must be a positive number"):
        fairtok.extend("o200k_base", texts=small, add=10, whole_pieces=True, piece_bias=-1.0)
    with pytest.raises(ValueError, match="whole-piece tokens need a tiktoken-rule base"):
        fairtok.extend(LLAMA3, texts=small, add=10, whole_pieces=True)
    with pytest.raises(ValueError, match="threads: must be at least 1"):
        fairtok.extend("o200k_base", texts=small, add=10, threads=0)
    with pytest.raises(TypeError, match="a path needs a language"):
        fairtok.extend("o200k_base", FAQ, add=10)
    with pytest.raises(TypeError, match=r"texts: expected \{lang: \[str\]\}"):
        fairtok.extend("o200k_base", texts=["안녕"], add=10)
    with pytest.raises(TypeError, match="add must be an int"):
        fairtok.extend("o200k_base", texts=small, add="10")


def test_missing_files_raise_os_error(tmp_path):
    small = {"kor_Hang": ["안녕하세요 세계\n"] * 5}
    with pytest.raises(FileNotFoundError, match="/no/such/file.txt"):
        fairtok.extend("o200k_base", "kor_Hang=/no/such/file.txt", add=10)
    with pytest.raises(FileNotFoundError, match="/no/such/file.txt"):
        fairtok.extend("o200k_base", {"kor_Hang": "/no/such/file.txt"}, add=10)
    with pytest.raises(FileNotFoundError, match="no/such/base.tiktoken"):
        fairtok.extend(tmp_path / "no/such/base.tiktoken", texts=small, add=10)
    with pytest.raises(FileNotFoundError, match="not a built-in name"):
        fairtok.extend("o200k_bsae", texts=small, add=10)
    with pytest.raises(ValueError, match=r"parity_dev: no dev file .*eng_Latn.dev for eng_Latn \(the pivot\)"):
        fairtok.extend("o200k_base", texts=small, add=10, parity_dev=tmp_path)
    with pytest.raises(FileNotFoundError, match="no/such/dir/x.tiktoken"):
        fairtok.extend("o200k_base", texts=small, add=10, output=tmp_path / "no/such/dir/x.tiktoken")
    with pytest.raises(OSError):
        fairtok.extend("o200k_base", f"kor_Hang={tmp_path}/missing.txt.gz", add=10)


def test_o200k_ko_builtin(o200k, texts):
    names = fairtok.list_encoding_names()
    # fairtok's own come after tiktoken's: o200k_ko, o200k_ko_sw (test_ko_sw.py), then
    # o200k_harmony_ko (test_harmony_ko.py).
    assert names[-3:] == ["o200k_ko", "o200k_ko_sw", "o200k_harmony_ko"]
    assert names.index("o200k_ko") > names.index("o200k_base")
    ko = fairtok.get_encoding("o200k_ko")
    assert ko.name == "o200k_ko" and ko is fairtok.get_encoding("o200k_ko")
    assert ko._special_tokens == o200k._special_tokens
    assert ko.n_vocab > O200K_FIRST_NEW
    assert ko.decode_single_token_bytes(O200K_FIRST_NEW)
    ranks = ko._mergeable_ranks
    assert all(ranks[b] == i for b, i in o200k._mergeable_ranks.items())
    other = no_hangul_texts(texts)
    assert ko.encode_ordinary_batch(other) == o200k.encode_ordinary_batch(other)
    kor = dev_lines("kor_Hang")
    ids = ko.encode_ordinary_batch(kor)
    assert ko.decode_batch(ids) == kor
    assert sum(map(len, ids)) < 0.8 * sum(map(len, o200k.encode_ordinary_batch(kor)))
