"""tiktoken's `allowed_special` / `disallowed_special` where fairtok resolves them natively: the
default (`disallowed_special="all"`) with a set of allowed names, and `allowed_special="all"`,
are passed to Rust without the names of every special token, and for a tiktoken-rule encoding a
partial allowed set recognises every special token (the check has already refused a text that
holds one that is not allowed). Same ids and errors as tiktoken, and as the explicit spelling of
the same sets.
"""

import itertools
import random

import numpy as np
import pytest

import fairtok

from conftest import VOCAB
from test_api import outcome, same_outcome

NAMES = ["cl100k_base", "o200k_harmony"]

# Pieces of texts: special tokens (o200k_harmony's 200018 has two names), near misses and
# overlaps, ordinary text.
PIECES = [
    "<|endoftext|>", "<|endofprompt|>", "<|reserved_200018|>", "<|start|>", "<|end|>",
    "<|message|>", "<|channel|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|im_start|>",
    "<|endoftext|", "<|", "|>", "<|<|endoftext|>|>", "<|reserved_199999|>", "endoftext",
    "hello", " world", "안녕하세요", "\n", " ", "",
]


def texts(n, seed):
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6))) for _ in range(n)]


def allowed_sets(enc):
    names = sorted(enc.special_tokens_set)
    common = [s for s in ["<|endoftext|>", "<|endofprompt|>", "<|start|>", "<|fim_prefix|>"]
              if s in enc.special_tokens_set]
    sets = [set(), {"<|endoftext|>"}, frozenset(common), {"<|nope|>", "<|endoftext|>"}]
    sets.append(set(names) - {"<|endoftext|>"})  # all but one
    if "<|reserved_200018|>" in enc.special_tokens_set:
        sets += [{"<|endofprompt|>"}, {"<|reserved_200018|>"}]  # one name of a two-name id
    return sets


@pytest.fixture(scope="module")
def pair(tiktoken):
    return {n: (tiktoken.get_encoding(n), fairtok.get_encoding(n)) for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_allowed_sets_equal_tiktoken(name, pair):
    ref, enc = pair[name]
    batch = texts(80, seed=len(name))
    for allowed in allowed_sets(enc) + ["all"]:
        for disallowed in ["all", ()]:
            kw = {"allowed_special": allowed, "disallowed_special": disallowed}
            for text in batch:
                want = outcome(ref.encode, text, **kw)
                same_outcome(want, outcome(enc.encode, text, **kw))
                got = outcome(lambda: enc.encode_to_numpy(text, **kw).tolist())  # noqa: B023
                same_outcome(want, got)
            want = outcome(ref.encode_batch, batch, **kw)
            same_outcome(want, outcome(enc.encode_batch, batch, num_threads=2, **kw))
            got = outcome(lambda: [
                ids.tolist() for ids in np.split(*_split_args(enc.encode_batch_to_numpy(batch, **kw)))  # noqa: B023
            ])
            same_outcome(want, got)


def _split_args(flat):
    ids, offsets = flat
    return ids, offsets[1:-1]


@pytest.mark.parametrize("name", NAMES)
def test_resolved_natively_equals_explicit(name, pair):
    # The native spellings (None) against the explicit lists of names they stand for.
    _, enc = pair[name]
    core = enc._core
    every = sorted(enc.special_tokens_set)
    for text in texts(100, seed=7):
        for allowed in allowed_sets(enc):
            names = [a for a in allowed if a in enc.special_tokens_set]
            rest = [s for s in every if s not in allowed]
            same_outcome(
                outcome(core.encode, text, names, rest), outcome(core.encode, text, names, None)
            )
        same_outcome(outcome(core.encode, text, every, []), outcome(core.encode, text, None, []))


KINDS = [
    str(VOCAB / "qwen3.tokenizer.json"),
    str(VOCAB / "llama3.tokenizer.json"),
    str(VOCAB / "bert-base-cased.vocab.txt"),
    str(VOCAB / "mistral-tekken-240911.json"),
    str(VOCAB / "mistral-v0.3.tokenizer.model"),
]


@pytest.mark.parametrize("spec", KINDS, ids=[k.rsplit("/", 1)[-1] for k in KINDS])
def test_other_kinds_native_equals_explicit(spec):
    enc = fairtok.load(spec)
    every = sorted(enc.special_tokens_set)
    some = every[:3] + ["<|endoftext|>", "<|im_start|>"]
    pieces = [s for s in every[:20]] + ["<|endoftext|", "[CLS", "hello", " 안녕", " ", "\n"]
    rng = random.Random(3)
    batch = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(100)]
    for allowed in [set(), {some[0]}, set(some), set(every)]:
        names = [a for a in allowed if a in enc.special_tokens_set]
        rest = [s for s in every if s not in allowed]
        for text in batch:
            explicit = outcome(enc.encode, text, allowed_special=allowed, disallowed_special=rest)
            same_outcome(explicit, outcome(enc.encode, text, allowed_special=allowed))
            same_outcome(explicit, outcome(enc._core.encode, text, names, None))
    for text, a in itertools.product(batch[:20], [every, None]):
        same_outcome(outcome(enc._core.encode, text, every, []), outcome(enc._core.encode, text, a, []))
