"""`fairtok.load` on the kinds of issue 14 against their reference libraries, on the shared
conformance texts: Mistral tekken (mistral-common's `Tekkenizer`), WordPiece `vocab.txt` files
(tokenizers' `BertWordPieceTokenizer`, cased and with `lowercase=True`), and the other
`tokenizer.json` files of `shared/data/vocab` (`claude-legacy` is Anthropic's legacy tokenizer,
not Claude 3's, and `t5` is a Unigram model), and SentencePiece `.model` files (the
sentencepiece library). The per-language FLORES-200 totals are checked on the Rust side
(`crates/fairtok-core/tests/more_kinds.rs`).
"""

import gzip

import pytest

import fairtok
from conftest import VOCAB


@pytest.fixture(scope="module", autouse=True)
def _shared():
    if not VOCAB.is_dir():
        pytest.skip(f"shared data not found at {VOCAB} (set FAIRTOK_SHARED)")


def _same(enc, ref, texts, hf=True):
    # Hugging Face matches every added token written in the text: `allowed_special="all"`.
    mine = (lambda t: enc.encode(t, allowed_special="all")) if hf else enc.encode_ordinary
    bad = [t for t in texts if mine(t) != ref(t)]
    assert not bad, f"{len(bad)} of {len(texts)} texts differ, first: {bad[0][:80]!r}"


def test_tekken(texts):
    tekken = pytest.importorskip("mistral_common.tokens.tokenizers.tekken")
    path = str(VOCAB / "mistral-tekken-240911.json")
    ref = tekken.Tekkenizer.from_file(path)
    enc = fairtok.load(path)
    assert (enc.format, enc.n_vocab) == ("tekken", 131072)
    _same(enc, lambda t: ref.encode(t, bos=False, eos=False), texts, hf=False)
    ids = enc.encode_ordinary(texts[0])
    assert enc.decode(ids) == ref.decode(ids)
    # Special tokens written in the text are ordinary text, as in mistral-common.
    assert enc.encode_ordinary("<s>[INST]") == ref.encode("<s>[INST]", bos=False, eos=False)


@pytest.mark.parametrize(
    "name,lowercase",
    [("bert-base-cased", False), ("bert-base-cased", True), ("koelectra-v1", False)],
)
def test_wordpiece_vocab_txt(texts, name, lowercase):
    from tokenizers import BertWordPieceTokenizer

    path = str(VOCAB / f"{name}.vocab.txt")
    ref = BertWordPieceTokenizer(path, lowercase=lowercase)
    enc = fairtok.load(path, lowercase=lowercase)
    _same(enc, lambda t: ref.encode(t, add_special_tokens=False).ids, texts)
    # Pickling keeps the option.
    import pickle

    again = pickle.loads(pickle.dumps(enc))
    assert again.encode_ordinary("Naïve Café") == enc.encode_ordinary("Naïve Café")


@pytest.mark.parametrize(
    "name", ["deepseek-v3", "falcon", "phi3", "claude-legacy", "kogpt2", "mistral-v0.1", "t5"]
)
def test_other_tokenizer_json(texts, name):
    import tokenizers

    path = VOCAB / f"{name}.tokenizer.json.gz"
    ref = tokenizers.Tokenizer.from_str(gzip.open(path).read().decode())
    enc = fairtok.load(str(path))
    _same(enc, lambda t: ref.encode(t, add_special_tokens=False).ids, texts)


@pytest.mark.parametrize(
    "name",
    [
        "albert.spiece.model",
        "kogpt2.spiece.model",
        "mistral-v0.1.tokenizer.model",
        "mistral-v0.3.tokenizer.model",
    ],
)
def test_sentencepiece_model(texts, name):
    sentencepiece = pytest.importorskip("sentencepiece")
    path = str(VOCAB / name)
    ref = sentencepiece.SentencePieceProcessor(model_file=path)
    enc = fairtok.load(path)
    assert (enc.format, enc.n_vocab) == ("sentencepiece", ref.get_piece_size())
    _same(enc, ref.encode, texts, hf=False)
    ids = enc.encode_ordinary(texts[0] + "  <s> \u2047 ")
    assert enc.decode(ids) == ref.decode(ids)
    # Control symbols written in the text are ordinary text, as in the library.
    assert enc.encode_ordinary("<s></s>") == ref.encode("<s></s>")


def test_lowercase_is_for_vocab_txt_only():
    with pytest.raises(ValueError, match="lowercase: applies to WordPiece vocab.txt files"):
        fairtok.load(str(VOCAB / "phi3.tokenizer.json.gz"), lowercase=True)
    with pytest.raises(ValueError, match="lowercase applies to WordPiece vocab.txt files"):
        fairtok.load("cl100k_base", lowercase=True)
