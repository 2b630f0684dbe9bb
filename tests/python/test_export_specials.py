"""Special tokens keep fairtok's ids in every tokenizer.json fairtok writes (issue 12, item 1).

Every way fairtok writes a tokenizer.json from a tiktoken-style vocabulary: `fairtok export
--format hf` of the built-ins (o200k_ko, o200k_base, cl100k_base, p50k_base, r50k_base), `fairtok
extend --format hf` on an OpenAI base, `fairtok train --format hf`. Each is written in both
formats, and the special tokens are compared across fairtok (Python, on both files), Hugging Face
tokenizers (`Tokenizer.from_file`), transformers (`PreTrainedTokenizerFast(tokenizer_file=...)`)
and tiktoken (on the .tiktoken file): each special token's id, `decode([id])`, and the encoding of
its text with special tokens allowed. Ordinary text gets the same ids everywhere, and the sizes
are tiktoken's `n_vocab`.

Before the fix the special tokens were only in `added_tokens`, and Hugging Face numbered them
after the vocabulary's length: o200k_ko's `<|endoftext|>` became 232766, the Korean token
" 파키스탄을" (" 보로" before issue 18).

Run: scripts/test-python.sh -k test_export_specials
(needs target/release/fairtok, or FAIRTOK_BIN; ../shared or FAIRTOK_SHARED).
"""
import json
import subprocess

import pytest

from conftest import SHARED

CORPUS = SHARED / "data" / "corpus"
BUILTINS = ["o200k_ko", "o200k_base", "cl100k_base", "p50k_base", "r50k_base"]
CASES = BUILTINS + ["extend_o200k_base", "train"]

# Korean, English, digits, code and o200k_ko's new tokens (" 파키스탄을" is 232766).
MIXED = [
    "그는 파키스탄을 떠났다",
    "한국어 토크나이저는 영어보다 토큰을 더 많이 씁니다. Korean costs more tokens than English!",
    "def f(x):\n    return x ** 2  # 제곱\n\n\t12,345원 ㅋㅋㅋ   \n",
    "서울특별시 종로구 세종대로 209 (Sejong-daero) — 2024년 3월 15일",
]


def run(fairtok_bin, *args):
    return subprocess.run([fairtok_bin, *args], capture_output=True, text=True)


def write(fairtok_bin, case, fmt, out):
    """Writes the vocabulary of `case` to `out` in `fmt` (hf or tiktoken)."""
    if case in BUILTINS:
        args = ["export", "-t", case]
    elif case == "extend_o200k_base":
        args = ["extend", "-t", "o200k_base", "--input", f"kor_Hang={CORPUS / 'ko.konlpy.txt'}",
                "--add", "300", "--quiet"]
    else:
        args = ["train", "--input", f"ko={CORPUS / 'ko.konlpy.txt'}",
                "--input", f"en={CORPUS / 'en.debian-docs.txt'}", "--vocab-size", "1000",
                "--pattern", "o200k", "--special", "<|endoftext|>,<|pad|>", "--quiet"]
    r = run(fairtok_bin, *args, "--format", fmt, "-o", str(out))
    assert r.returncode == 0, r.stderr


class Libraries:
    """One vocabulary, written in both formats, loaded in every library."""

    def __init__(self, fairtok_bin, case, directory, tiktoken):
        import fairtok
        from tokenizers import Tokenizer
        from transformers import PreTrainedTokenizerFast

        self.case = case
        hf, tk = directory / f"{case}.json", directory / f"{case}.tiktoken"
        write(fairtok_bin, case, "hf", hf)
        write(fairtok_bin, case, "tiktoken", tk)
        with open(f"{tk}.json", encoding="utf-8") as f:
            kwargs = json.load(f)
        self.tiktoken = tiktoken.Encoding(
            mergeable_ranks=tiktoken.load.load_tiktoken_bpe(str(tk)), **kwargs)
        self.fairtok_tk = fairtok.load(tk)
        self.fairtok_hf = fairtok.load(hf)
        self.hf = Tokenizer.from_file(str(hf))
        self.transformers = PreTrainedTokenizerFast(tokenizer_file=str(hf))
        # fairtok's ids: the built-in itself, else the .tiktoken file it wrote.
        self.fairtok = fairtok.get_encoding(case) if case in BUILTINS else self.fairtok_tk
        self.specials = {s: self.fairtok.encode_single_token(s)
                         for s in self.fairtok.special_tokens_set}


@pytest.fixture(scope="module")
def libraries(fairtok_bin, tiktoken, tmp_path_factory):
    """`libraries(case)`: the case's files and libraries, made once per module."""
    directory = tmp_path_factory.mktemp("export_specials")
    made = {}

    def get(case):
        if case not in made:
            made[case] = Libraries(fairtok_bin, case, directory, tiktoken)
        return made[case]

    return get


@pytest.mark.parametrize("case", CASES)
def test_special_tokens_keep_their_ids(libraries, case):
    lib = libraries(case)
    assert lib.specials, case
    assert lib.fairtok_hf.special_tokens_set == set(lib.specials)
    assert lib.fairtok_tk.special_tokens_set == set(lib.specials)
    assert lib.tiktoken.special_tokens_set == set(lib.specials)
    assert set(lib.transformers.added_tokens_encoder) == set(lib.specials)
    for s, i in sorted(lib.specials.items(), key=lambda x: x[1]):
        got = {
            "fairtok .tiktoken": lib.fairtok_tk.encode(s, allowed_special="all"),
            "fairtok tokenizer.json": lib.fairtok_hf.encode(s, allowed_special="all"),
            "tiktoken": lib.tiktoken.encode(s, allowed_special="all"),
            "tokenizers": lib.hf.encode(s, add_special_tokens=False).ids,
            "transformers": lib.transformers.encode(s, add_special_tokens=False),
            "tokenizers token_to_id": [lib.hf.token_to_id(s)],
            "transformers convert_tokens_to_ids": [lib.transformers.convert_tokens_to_ids(s)],
        }
        assert got == {k: [i] for k in got}, s
        decoded = {
            "fairtok .tiktoken": lib.fairtok_tk.decode([i]),
            "fairtok tokenizer.json": lib.fairtok_hf.decode([i]),
            "tiktoken": lib.tiktoken.decode([i]),
            "tokenizers": lib.hf.decode([i], skip_special_tokens=False),
            "transformers": lib.transformers.decode([i]),
        }
        assert decoded == {k: s for k in decoded}, i
        assert lib.fairtok_hf.is_special_token(i) and lib.transformers.added_tokens_decoder[i].special


@pytest.mark.parametrize("case", CASES)
def test_sizes_are_tiktokens_n_vocab(libraries, case):
    lib = libraries(case)
    n = lib.tiktoken.n_vocab
    assert lib.fairtok.n_vocab == n
    assert lib.fairtok_hf.n_vocab == n
    assert lib.hf.get_vocab_size(with_added_tokens=True) == n
    assert lib.hf.get_vocab_size(with_added_tokens=False) == n
    assert len(lib.transformers) == n
    assert lib.transformers.vocab_size == n


@pytest.mark.parametrize("case", CASES)
def test_text_gets_the_same_ids_everywhere(libraries, case):
    lib = libraries(case)
    for text in MIXED:
        want = lib.fairtok.encode_ordinary(text)
        assert lib.fairtok_tk.encode_ordinary(text) == want, text
        assert lib.fairtok_hf.encode_ordinary(text) == want, text
        assert lib.tiktoken.encode_ordinary(text) == want, text
        assert lib.hf.encode(text, add_special_tokens=False).ids == want, text
        assert lib.transformers.encode(text, add_special_tokens=False) == want, text
        assert lib.transformers.decode(want) == text
        assert lib.hf.decode(want, skip_special_tokens=False) == text
    # With every special token written in the text, between ordinary text.
    text = "".join(f"{s}{MIXED[0]} x{i}" for i, s in enumerate(sorted(lib.specials)))
    want = lib.fairtok.encode(text, allowed_special="all")
    assert lib.tiktoken.encode(text, allowed_special="all") == want
    assert lib.fairtok_hf.encode(text, allowed_special="all") == want
    assert lib.hf.encode(text, add_special_tokens=False).ids == want
    assert lib.transformers.encode(text, add_special_tokens=False) == want
    assert lib.transformers.decode(want) == text


def test_o200k_ko_round_trip_in_transformers(libraries):
    lib = libraries("o200k_ko")
    tr = lib.transformers
    ids = tr.encode("그는 파키스탄을 떠났다", add_special_tokens=False)
    assert ids == lib.fairtok.encode_ordinary("그는 파키스탄을 떠났다")
    assert 232766 in ids  # " 파키스탄을", where HF used to put <|endoftext|>
    assert tr.decode(ids) == "그는 파키스탄을 떠났다"
    assert tr.decode(ids, skip_special_tokens=True) == "그는 파키스탄을 떠났다"
    assert tr.decode([232766]) == " 파키스탄을" and tr.decode([232767]) == " 이해관계자들의"
    assert tr.decode([199999]) == "<|endoftext|>" and tr.decode([200018]) == "<|endofprompt|>"
    assert tr.convert_ids_to_tokens([199999, 200018]) == ["<|endoftext|>", "<|endofprompt|>"]


def test_special_that_is_frequent_text_is_not_learned(fairtok_bin, tmp_path):
    # A corpus where "###" is frequent: training never learns a special token's text as an
    # ordinary token (issue 13, item 10), so it has one id; a tokenizer.json still cannot hold
    # it apart from the piece "###" the pattern makes, and is refused.
    corpus = tmp_path / "md.txt"
    corpus.write_text("### 제목 heading\n## 목차\n" * 200, encoding="utf-8")
    common = ["train", "--input", f"ko={corpus}", "--vocab-size", "300", "--pattern", "o200k",
              "--special", "<|endoftext|>,###", "--quiet"]
    tk = tmp_path / "md.tiktoken"
    r = run(fairtok_bin, *common, "--format", "tiktoken", "-o", str(tk))
    assert r.returncode == 0, r.stderr
    import fairtok
    enc = fairtok.load(tk)
    ordinary = enc.encode_ordinary("###")
    [special] = enc.encode("###", allowed_special="all")
    assert len(ordinary) > 1 and special not in ordinary  # ordinary pieces, and one special
    assert enc.decode_single_token_bytes(ordinary[0]) == b"##"  # frequent enough to learn
    assert enc.is_special_token(special)
    hf = tmp_path / "md.json"
    r = run(fairtok_bin, *common, "--format", "hf", "-o", str(hf))
    assert r.returncode != 0
    assert f'special token "###" (id {special}) cannot be written to a tokenizer.json' in r.stderr
    assert "one piece" in r.stderr and ".tiktoken format" in r.stderr
    assert not hf.exists()
    # Not learned, "###" is still one piece of the pattern: Hugging Face would read that piece
    # as the special token where special tokens are not matched. Also refused.
    r = run(fairtok_bin, "train", "--input", f"ko={CORPUS / 'ko.konlpy.txt'}", "--vocab-size",
            "300", "--pattern", "o200k", "--special", "###", "--quiet", "--format", "hf",
            "-o", str(hf))
    assert r.returncode != 0
    assert "makes one piece of \"###\"" in r.stderr
    assert not hf.exists()
