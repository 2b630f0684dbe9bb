"""`fairtok extend` on SentencePiece BPE bases (Mistral v0.3 and v0.1, KoGPT2), checked with the
SentencePiece library itself.

The extended `.model` must:
* load in `sentencepiece`, with every old piece keeping its id, text, score and type, and the
  new pieces NORMAL, scored below every old piece, each below the one before;
* give the library's base ids on text without Hangul (the conformance texts, FLORES-200 dev in
  eleven non-Korean languages);
* give fewer tokens on Korean FLORES-200 dev, and fairtok's encoder must give exactly the
  library's ids with it on every text compared.
A Unigram `.model`, a corrupt `.model` and a format other than `.model` are one-line errors.

Run: .venv/bin/python -m pytest tests/python/test_extend_spm.py
(needs target/release/fairtok or FAIRTOK_BIN; ../shared or FAIRTOK_SHARED).
"""

import json
import os
import subprocess

import pytest

from conftest import has_hangul, lines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("FAIRTOK_SHARED", os.path.join(ROOT, "..", "shared"))
FAIRTOK = os.environ.get("FAIRTOK_BIN", os.path.join(ROOT, "target", "release", "fairtok"))
VOCAB = os.path.join(SHARED, "data", "vocab")
CORPUS = os.path.join(SHARED, "data", "corpus")
FLORES = os.path.join(SHARED, "data", "parallel", "flores200-dev")
CONFORMANCE = os.path.join(SHARED, "conformance", "public.jsonl")

if not os.path.isdir(VOCAB):
    pytest.skip(f"shared data not found at {SHARED} (set FAIRTOK_SHARED)", allow_module_level=True)

BASES = ["mistral-v0.3.tokenizer.model", "mistral-v0.1.tokenizer.model", "kogpt2.spiece.model"]
# About 3 MB of Korean: the news of KLUE's dev set and KorNLU's sentences.
INPUT = "kor_Hang=" + os.path.join(CORPUS, "ko.klue-dev.txt") + "," + os.path.join(CORPUS, "ko.kornlu.txt")
ADD = 2000
OTHER = ["eng_Latn", "deu_Latn", "fra_Latn", "vie_Latn", "jpn_Jpan", "zho_Hans", "zho_Hant",
         "rus_Cyrl", "arb_Arab", "hin_Deva", "tha_Thai"]






def run(*args):
    return subprocess.run([FAIRTOK, *args], capture_output=True, text=True)


def fairtok_ids(tokenizer, texts):
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([FAIRTOK, "encode", "-t", tokenizer, "--jsonl"], input=inp.encode(),
                         capture_output=True, check=True).stdout.decode()
    return [json.loads(l) for l in out.splitlines()]


@pytest.fixture(scope="module")
def spm():
    return pytest.importorskip("sentencepiece")


@pytest.fixture(scope="module")
def conformance_texts():
    with open(CONFORMANCE, encoding="utf-8") as f:
        return [json.loads(l)["text"] for l in f if l.strip()]


@pytest.fixture(scope="module", params=BASES)
def extended(request, tmp_path_factory):
    if not os.path.exists(FAIRTOK):
        pytest.skip(f"{FAIRTOK} not built (cargo build --release, or set FAIRTOK_BIN)")
    base = os.path.join(VOCAB, request.param)
    out = str(tmp_path_factory.mktemp("spm") / "ko.model")
    r = run("extend", "-t", base, "--input", INPUT, "--add", str(ADD), "--quiet", "-o", out)
    assert r.returncode == 0, r.stderr
    return base, out


def test_old_pieces_keep_id_text_score_and_type(spm, extended):
    from sentencepiece import sentencepiece_model_pb2 as pb
    base_path, out = extended
    raw_base, raw_ext = open(base_path, "rb").read(), open(out, "rb").read()
    assert raw_ext.startswith(raw_base)
    base, ext = pb.ModelProto(), pb.ModelProto()
    base.ParseFromString(raw_base)
    ext.ParseFromString(raw_ext)
    n = len(base.pieces)
    assert len(ext.pieces) == n + ADD
    assert ext.pieces[:n] == base.pieces[:n]
    assert ext.trainer_spec.vocab_size == n + ADD
    assert ext.normalizer_spec == base.normalizer_spec
    lowest = min(p.score for p in base.pieces)
    scores = [p.score for p in ext.pieces[n:]]
    assert all(p.type == pb.ModelProto.SentencePiece.NORMAL for p in ext.pieces[n:])
    assert scores[0] < lowest and all(a > b for a, b in zip(scores, scores[1:]))
    assert all(has_hangul(p.piece) for p in ext.pieces[n:])
    assert len({p.piece for p in ext.pieces}) == n + ADD
    # The library loads it, with the new pieces at their ids.
    sp = spm.SentencePieceProcessor(model_file=out)
    assert sp.get_piece_size() == n + ADD
    assert [sp.id_to_piece(i) for i in range(n, n + ADD)] == [p.piece for p in ext.pieces[n:]]


def test_text_without_hangul_encodes_as_the_base(spm, extended, conformance_texts):
    base_path, out = extended
    base = spm.SentencePieceProcessor(model_file=base_path)
    ext = spm.SentencePieceProcessor(model_file=out)
    texts = list(conformance_texts)
    for lang in OTHER:
        texts += lines(os.path.join(FLORES, lang + ".dev"))
    texts = [t for t in texts if not has_hangul(t)]
    assert len(texts) > 10000
    for t in texts:
        assert ext.encode(t) == base.encode(t), t


def test_korean_is_shorter_and_fairtok_gives_the_library_ids(spm, extended, conformance_texts):
    base_path, out = extended
    base = spm.SentencePieceProcessor(model_file=base_path)
    ext = spm.SentencePieceProcessor(model_file=out)
    korean = lines(os.path.join(FLORES, "kor_Hang.dev"))
    before = sum(len(base.encode(t)) for t in korean)
    after = sum(len(ext.encode(t)) for t in korean)
    assert after < before
    texts = korean + lines(os.path.join(CORPUS, "ko.nsmc.txt.gz"), 2000)
    texts += lines(os.path.join(SHARED, "data", "parallel", "tatoeba", "eng-kor.kor"), 1000)
    texts += list(conformance_texts) + lines(os.path.join(FLORES, "eng_Latn.dev"), 300)
    ours = fairtok_ids(out, texts)
    assert len(ours) == len(texts)
    for t, ids in zip(texts, ours):
        assert ids == ext.encode(t), t


def test_the_python_api_writes_a_model(spm, tmp_path):
    fairtok = pytest.importorskip("fairtok")
    base_path = os.path.join(VOCAB, "mistral-v0.3.tokenizer.model")
    korean = lines(os.path.join(CORPUS, "ko.klue-dev.txt"), 3000)
    r = fairtok.extend(base_path, texts={"kor_Hang": korean}, add=300, output=tmp_path)
    assert r.format == "spm" and r.first_id == 32768 and r.added == 300
    assert r.files == [str(tmp_path / "tokenizer.model")]
    sp = spm.SentencePieceProcessor(model_file=r.files[0])
    assert sp.get_piece_size() == 32768 + 300
    assert [t.decode() for t in r.tokens] == [sp.id_to_piece(i) for i in r.new_ids]
    for t in lines(os.path.join(FLORES, "kor_Hang.dev"), 200):
        assert r.encoding.encode_ordinary(t) == sp.encode(t), t
    with pytest.raises(ValueError, match="SentencePiece .model only"):
        fairtok.extend(base_path, texts={"kor_Hang": korean}, add=10, format="hf")


@pytest.mark.parametrize("case", ["unigram", "corrupt", "format", "spm-for-tiktoken"])
def test_bad_bases_and_formats_are_one_line_errors(case, tmp_path):
    if not os.path.exists(FAIRTOK):
        pytest.skip(f"{FAIRTOK} not built")
    mistral = os.path.join(VOCAB, "mistral-v0.3.tokenizer.model")
    args = {
        "unigram": ["-t", os.path.join(VOCAB, "albert.spiece.model")],
        "corrupt": ["-t", str(tmp_path / "corrupt.model")],
        "format": ["-t", mistral, "--format", "hf"],
        "spm-for-tiktoken": ["-t", "o200k_base", "--format", "spm"],
    }[case]
    with open(tmp_path / "corrupt.model", "wb") as f:
        f.write(open(mistral, "rb").read()[:3000])
    r = run("extend", *args, "--input", INPUT, "--add", "10", "-o", str(tmp_path / "out.model"))
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    want = {
        "unigram": "Unigram model cannot be an extension base",
        "corrupt": "not a SentencePiece model protobuf",
        "format": "SentencePiece .model only",
        "spm-for-tiktoken": "only a SentencePiece base",
    }[case]
    assert want in r.stderr, r.stderr
    assert not (tmp_path / "out.model").exists()
