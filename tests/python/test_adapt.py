"""`fairtok adapt` and `fairtok.adapt` (crates/fairtok-adapt) on tiny checkpoints of real layouts,
made here with random weights: Llama (Llama 3's tokenizer, vocab_size 128256) and Qwen2 (Qwen3's
tokenizer, vocab_size 151936: 267 padding rows past its ids), tied and untied, f32 and bf16,
single-file and sharded.

Everything is checked independently of fairtok, with numpy and the `safetensors` package:
each new row is the mean of the rows of the pieces that HF tokenizers gives for the new token's
text (computed here in float64, rounded to float32, then to bf16 by round-to-nearest-even), the
`first` rule's rows are the first piece's bytes, every other byte of every tensor is unchanged,
padding rows are zero, and config.json, the shard index and tokenizer.json are right. Then bad
input: each a one-line error, a non-zero exit and nothing written."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tiktoken
from safetensors import TensorSpec, deserialize, serialize_file
from tokenizers import Tokenizer

import fairtok
from conftest import SHARED, VOCAB

KOREAN = SHARED / "data" / "corpus" / "ko.konlpy.txt"
HIDDEN = 8

LAYOUTS = {
    # name: (base tokenizer.json, vocab_size, model_type)
    "llama": (VOCAB / "llama3.tokenizer.json", 128256, "llama"),
    "qwen2": (VOCAB / "qwen3.tokenizer.json", 151936, "qwen2"),
}


def bytes_to_unicode():
    """GPT-2's byte-level alphabet: byte -> the character that stands for it in a vocabulary."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + \
        list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


# --- safetensors files, by the package: f32 from numpy arrays, bf16 as raw uint16 ---------------


def bf16_of(a):
    """float32 -> bfloat16 bits, round to nearest, ties to even (as torch and `half` do)."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def f32_of_bf16(u):
    return (u.astype(np.uint32) << 16).view(np.float32)


def save(path, tensors):
    """tensors: name -> (safetensors dtype name, contiguous array of that width)."""
    keep = {n: np.ascontiguousarray(a) for n, (_, a) in tensors.items()}
    specs = {
        n: TensorSpec(dtype=d, shape=list(keep[n].shape), data_ptr=keep[n].ctypes.data,
                      data_len=keep[n].nbytes)
        for n, (d, _) in tensors.items()
    }
    serialize_file(specs, str(path), {"format": "pt"})


def load(path):
    """name -> (dtype, shape, bytes)."""
    return {n: (t["dtype"], tuple(t["shape"]), bytes(t["data"]))
            for n, t in deserialize(Path(path).read_bytes())}


def load_dir(d):
    out = {}
    for f in sorted(Path(d).glob("*.safetensors")):
        for n, t in load(f).items():
            out[n] = (f.name,) + t
    return out


# --- tiny checkpoints ------------------------------------------------------------------------


def make_model(d, layout, *, tied, bf16, shards=1, seed=0):
    """A checkpoint of `layout` with random weights: embeddings, two small layers, norm, and
    lm_head unless tied; split over `shards` files (with an index) when more than one."""
    tok, vocab, model_type = LAYOUTS[layout]
    rng = np.random.default_rng(seed)
    dtype = "bfloat16" if bf16 else "float32"

    def t(*shape):
        a = rng.standard_normal(shape).astype(np.float32)
        return (dtype, bf16_of(a) if bf16 else a)

    tensors = {"model.embed_tokens.weight": t(vocab, HIDDEN)}
    for layer in range(2):
        for name in ["self_attn.q_proj", "self_attn.k_proj", "mlp.up_proj"]:
            tensors[f"model.layers.{layer}.{name}.weight"] = t(HIDDEN, HIDDEN)
        if layout == "qwen2":
            tensors[f"model.layers.{layer}.self_attn.q_proj.bias"] = t(HIDDEN)
    tensors["model.norm.weight"] = t(HIDDEN)
    if not tied:
        tensors["lm_head.weight"] = t(vocab, HIDDEN)
    d.mkdir(parents=True)
    names = list(tensors)
    if shards == 1:
        save(d / "model.safetensors", tensors)
    else:
        weight_map = {}
        groups = [names[i::shards] for i in range(shards)]
        for i, group in enumerate(groups):
            f = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            save(d / f, {n: tensors[n] for n in group})
            weight_map.update({n: f for n in group})
        size = sum(a.nbytes for _, a in tensors.values())
        (d / "model.safetensors.index.json").write_text(
            json.dumps({"metadata": {"total_size": size}, "weight_map": weight_map}, indent=2))
    config = {"architectures": ["LlamaForCausalLM" if layout == "llama" else "Qwen2ForCausalLM"],
              "model_type": model_type, "vocab_size": vocab, "hidden_size": HIDDEN,
              "tie_word_embeddings": tied, "torch_dtype": dtype}
    (d / "config.json").write_text(json.dumps(config, indent=2))
    (d / "tokenizer.json").write_bytes(tok.read_bytes())
    (d / "generation_config.json").write_text('{"do_sample": false}')
    (d / "tokenizer_config.json").write_text('{"model_max_length": 8192}')
    (d / "merges.txt").write_text("#version: 0.2\n")  # a slow tokenizer's file: stale, left out
    return d


@pytest.fixture(scope="module")
def extended(tmp_path_factory, fairtok_bin):
    """layout -> a tokenizer.json extending its base with Korean tokens: 300 for Llama, 100 for
    Qwen2 (fewer than its 267 padding rows, so that some stay as they were)."""
    d = tmp_path_factory.mktemp("extended")
    out = {}
    for layout, (tok, _, _) in LAYOUTS.items():
        path = d / f"{layout}.json"
        add = "300" if layout == "llama" else "100"
        subprocess.run([fairtok_bin, "extend", "-t", str(tok), "--input", f"kor_Hang={KOREAN}",
                        "--add", add, "-o", str(path), "--format", "hf", "--quiet"], check=True)
        out[layout] = path
    return out


def run(fairtok_bin, *args):
    return subprocess.run([fairtok_bin, "adapt", *map(str, args)], capture_output=True,
                          text=True)


# --- the expected rows, computed here ---------------------------------------------------------


def rows_of(dtype, shape, data):
    if dtype == "BF16":
        return f32_of_bf16(np.frombuffer(data, np.uint16)).reshape(shape), np.uint16
    return np.frombuffer(data, np.float32).reshape(shape), np.float32


def mean_row(matrix, pieces, bf16):
    acc = np.zeros(matrix.shape[1], np.float64)
    for p in pieces:
        acc += matrix[p].astype(np.float64)
    mean = (acc / len(pieces)).astype(np.float32)
    return bf16_of(mean).tobytes() if bf16 else mean.tobytes()


def check(base_dir, out_dir, ext_path, layout, *, init="mean", pad_to=1):
    """The whole contract of the output, checked against the input."""
    _, vocab, _ = LAYOUTS[layout]
    base_tok = Tokenizer.from_file(str(base_dir / "tokenizer.json"))
    ext_tok = Tokenizer.from_file(str(ext_path))
    base_n, ext_n = base_tok.get_vocab_size(), ext_tok.get_vocab_size()
    report = json.loads((out_dir / "fairtok_adapt.json").read_text())
    rows = -(-max(vocab, ext_n) // pad_to) * pad_to
    assert (report["base_ids"], report["new_ids"], report["rows"]) == (base_n, ext_n - base_n, rows)

    # The pieces: what HF tokenizers gives for each new token's text, with the base; for a
    # token that is not UTF-8 on its own, tiktoken's merge of its bytes over the base's ranks.
    byte_of = {c: b for b, c in bytes_to_unicode().items()}
    vocab_of = {i: bytes(byte_of[c] for c in t) for t, i in
                json.loads(ext_path.read_text())["model"]["vocab"].items()}
    ranks = {vocab_of[i]: i for i in range(base_n) if i in vocab_of}
    merger = tiktoken.Encoding("base", pat_str=".", mergeable_ranks=ranks, special_tokens={})
    pieces = {}
    for entry in report["new_tokens"]:
        raw = vocab_of[entry["id"]]
        assert entry["token"] == raw.decode("utf-8", "replace")
        try:
            ids = base_tok.encode(raw.decode("utf-8"), add_special_tokens=False).ids
        except UnicodeDecodeError:
            ids = merger._encode_single_piece(raw)
        assert b"".join(vocab_of[i] for i in ids) == raw
        assert entry["pieces"] == ids, entry
        pieces[entry["id"]] = ids
    assert sorted(pieces) == list(range(base_n, ext_n))
    hist = {}
    for p in pieces.values():
        hist[str(len(p))] = hist.get(str(len(p)), 0) + 1
    assert report["pieces"] == hist

    before, after = load_dir(base_dir), load_dir(out_dir)
    assert sorted(before) == sorted(after)
    embeddings = {"model.embed_tokens.weight", "lm_head.weight"}
    for name, (f, dtype, shape, data) in before.items():
        f2, dtype2, shape2, data2 = after[name]
        assert (f2, dtype2) == (f, dtype), name
        if name not in embeddings:
            assert (shape2, data2) == (shape, data), name
            continue
        assert shape2 == (rows, HIDDEN), name
        row_bytes = len(data) // shape[0]
        # Old ids: byte for byte.
        assert data2[: base_n * row_bytes] == data[: base_n * row_bytes], name
        matrix, _ = rows_of(dtype, shape, data)
        rule = "mean" if name == "model.embed_tokens.weight" else init
        for i, p in pieces.items():
            got = data2[i * row_bytes:(i + 1) * row_bytes]
            want = mean_row(matrix, p, dtype == "BF16") if rule == "mean" else \
                data[p[0] * row_bytes:(p[0] + 1) * row_bytes]
            assert got == want, (name, i, p)
        # Rows the model had past its ids and no new id took: kept; rows past both: zero.
        if ext_n < vocab:
            assert data2[ext_n * row_bytes: vocab * row_bytes] == data[ext_n * row_bytes:]
        past = max(ext_n, vocab)
        assert data2[past * row_bytes:] == bytes((rows - past) * row_bytes), name

    config = json.loads((out_dir / "config.json").read_text())
    want = json.loads((base_dir / "config.json").read_text())
    want["vocab_size"] = rows
    assert config == want
    assert (out_dir / "tokenizer.json").read_bytes() == ext_path.read_bytes()
    index = base_dir / "model.safetensors.index.json"
    if index.exists():
        got = json.loads((out_dir / index.name).read_text())
        old = json.loads(index.read_text())
        assert got["weight_map"] == old["weight_map"]
        assert got["metadata"]["total_size"] == sum(len(t[3]) for t in after.values())
        assert report["tensor_bytes"] == got["metadata"]["total_size"]
    for name in ["generation_config.json", "tokenizer_config.json"]:
        assert (out_dir / name).read_bytes() == (base_dir / name).read_bytes()
    assert not (out_dir / "merges.txt").exists() and "merges.txt" in report["left_out"]
    # The Korean sample needs fewer tokens with the new vocabulary.
    assert report["sample_tokens"]["extended"] < report["sample_tokens"]["base"]
    return report


# --- the cases --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout,tied,bf16,shards,init,pad_to",
    [
        ("llama", False, False, 1, "mean", 1),
        ("llama", False, True, 3, "first", 64),
        ("llama", True, True, 2, "mean", 1),
        ("qwen2", True, False, 1, "mean", 1),
        ("qwen2", False, True, 2, "first", 128),
    ],
)
def test_adapt_matches_an_independent_computation(tmp_path, fairtok_bin, extended, layout,
                                                   tied, bf16, shards, init, pad_to):
    base = make_model(tmp_path / "base", layout, tied=tied, bf16=bf16, shards=shards)
    out = tmp_path / "out"
    args = ["--model", base, "-t", extended[layout], "-o", out, "--init", init, "--quiet"]
    if pad_to > 1:
        args += ["--pad-to", pad_to]
    r = run(fairtok_bin, *args)
    assert r.returncode == 0, r.stderr
    report = check(base, out, extended[layout], layout, init=init, pad_to=pad_to)
    assert report["tied"] == tied
    assert report["output_init"] == (None if tied else init)
    if layout == "qwen2":
        # Qwen's padding rows went to the new ids (the rest stay as they were).
        assert report["reused_rows"] == 100 and report["rows"] == 151936
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "out"]


def test_python_writes_what_the_command_writes(tmp_path, fairtok_bin, extended):
    base = make_model(tmp_path / "base", "llama", tied=False, bf16=True, shards=2)
    r = run(fairtok_bin, "--model", base, "-t", extended["llama"], "-o", tmp_path / "cli",
            "--init", "first", "--pad-to", 64, "--quiet")
    assert r.returncode == 0, r.stderr
    report = fairtok.adapt(base, extended["llama"], tmp_path / "py", init="first", pad_to=64)
    assert report == {k: v for k, v in json.loads(
        (tmp_path / "cli" / "fairtok_adapt.json").read_text()).items() if k != "new_tokens"}
    for f in sorted((tmp_path / "cli").iterdir()):
        assert (tmp_path / "py" / f.name).read_bytes() == f.read_bytes(), f.name
    with pytest.raises(ValueError, match="init must be"):
        fairtok.adapt(base, extended["llama"], tmp_path / "x", init="median")
    with pytest.raises(FileExistsError):
        fairtok.adapt(base, extended["llama"], tmp_path / "py")


def bad(tmp_path, fairtok_bin, model, tokenizer, out, *extra):
    """Runs a failing adapt: one line on stderr, exit 1, no output and no temporary left."""
    parent = Path(out).parent
    before = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else None
    r = run(fairtok_bin, "--model", model, "-t", tokenizer, "-o", out, "--quiet", *extra)
    assert r.returncode == 1, r
    assert r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
    if before is not None:
        assert sorted(p.name for p in parent.iterdir()) == before
    return r.stderr


def test_bad_input_is_a_one_line_error_and_nothing_is_written(tmp_path, fairtok_bin, extended):
    base = make_model(tmp_path / "base", "llama", tied=False, bf16=False, shards=2)
    out = tmp_path / "out"
    # A tokenizer whose base is another model.
    e = bad(tmp_path, fairtok_bin, base, extended["qwen2"], out)
    assert "does not extend the model's tokenizer" in e and "id " in e, e
    # The model's own tokenizer: nothing new.
    e = bad(tmp_path, fairtok_bin, base, base / "tokenizer.json", out)
    assert "no new token" in e, e
    # A missing shard.
    shard = sorted(base.glob("model-*.safetensors"))[1]
    shard.rename(tmp_path / "away")
    e = bad(tmp_path, fairtok_bin, base, extended["llama"], out)
    assert shard.name in e and "No such file" in e, e
    # A truncated shard.
    (tmp_path / "away").rename(shard)
    data = shard.read_bytes()
    shard.write_bytes(data[:-3])
    e = bad(tmp_path, fairtok_bin, base, extended["llama"], out)
    assert shard.name in e and "truncated" in e, e
    shard.write_bytes(data)
    # An embedding that does not match config.json.
    config = json.loads((base / "config.json").read_text())
    (base / "config.json").write_text(json.dumps({**config, "vocab_size": 1000}))
    e = bad(tmp_path, fairtok_bin, base, extended["llama"], out)
    assert "model.embed_tokens.weight has 128256 rows" in e and "vocab_size 1000" in e, e
    (base / "config.json").write_text(json.dumps(config))
    # A model with fewer rows than its tokenizer has ids.
    small = tmp_path / "small"
    make_model(small, "llama", tied=True, bf16=False)
    t = load(small / "model.safetensors")
    save(small / "model.safetensors", {
        n: ("float32", np.frombuffer(d, np.float32).reshape(s)[:1000] if "embed" in n
            else np.frombuffer(d, np.float32).reshape(s)) for n, (_, s, d) in t.items()})
    (small / "config.json").write_text(
        json.dumps({**config, "vocab_size": 1000, "tie_word_embeddings": True}))
    e = bad(tmp_path, fairtok_bin, small, extended["llama"], out)
    assert "has 1000 rows, but the base tokenizer" in e and "128256 ids" in e, e
    # `first` on a tied model.
    tied = make_model(tmp_path / "tied", "llama", tied=True, bf16=False)
    e = bad(tmp_path, fairtok_bin, tied, extended["llama"], out, "--init", "first")
    assert "ties its output embedding" in e, e
    # An output that exists, and one in a directory that cannot be written.
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    e = bad(tmp_path, fairtok_bin, base, extended["llama"], tmp_path / "full")
    assert "exists and is not empty" in e, e
    e = bad(tmp_path, fairtok_bin, base, extended["llama"], Path("/proc/self/adapted"))
    assert "/proc/self" in e, e
    assert not out.exists()
