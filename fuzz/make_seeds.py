#!/usr/bin/env python3
"""Makes the seeds of the fuzz targets for the kinds of issue 14 (docs/FUZZING.md), small files
of a few KB each, and prints how the reference libraries encode a few texts with them:

* `corpus/sentencepiece_loader/`: a Unigram model trained by SentencePiece on a tiny text with a
  custom normalization rule table (7 rules, so its `precompiled_charsmap` is 1 KB, where
  `nmt_nfkc`'s is 237 KB), and three hand-built `ModelProto`s: BPE with byte fallback (the 256
  byte pieces, an unused piece, a user-defined symbol), the same BPE with the tiny charsmap and
  without byte fallback, and a Unigram model with a user-defined symbol, an unused piece and
  the charsmap.
* `corpus/tokenizer_json_loader/`: two Unigram `tokenizer.json` documents (T5's layout with a
  `Precompiled` normalizer holding the tiny charsmap; byte fallback without a normalizer) and
  a tiny Mistral `tekken.json` (v7, 265 ranks, 8 special tokens).

usage: cd fuzz && ../.venv/bin/python make_seeds.py   (needs sentencepiece, tokenizers and
mistral-common; works in a temporary directory and writes only the seeds)
"""
import os, shutil, tempfile
here = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp()
os.chdir(work)
import sentencepiece as spm, io, os, json, base64
from sentencepiece import sentencepiece_model_pb2 as pb
# A tiny custom normalization rule table, compiled by SentencePiece's own builder.
# TSV: source code points (hex, space separated) TAB target code points.
rules = [
 ("FF21", "41"),        # fullwidth A -> A
 ("FF41", "61"),        # fullwidth a -> a
 ("3000", "20"),        # ideographic space -> space
 ("1100 1161", "AC00"), # jamo ㄱ+ㅏ -> 가
 ("FB01", "66 69"),     # fi ligature -> f i
 ("2460", "31"),        # ① -> 1
 ("9", "20"),           # tab -> space
]
with open("rules.tsv","w") as f:
    for s,t in rules: f.write(f"{s}\t{t}\n")
text = ["the cat sat on the mat", "hello world, the end", "안녕하세요 세계 안녕", "café naïve 123", "ａ fullwidth ＡＢ"]*20
with open("train.txt","w") as f: f.write("\n".join(text)+"\n")
spm.SentencePieceTrainer.train(input="train.txt", model_prefix="uni", vocab_size=60, model_type="unigram",
    normalization_rule_tsv="rules.tsv", user_defined_symbols=["<sep>","a b"], hard_vocab_limit=False,
    character_coverage=1.0, minloglevel=2)
m = pb.ModelProto(); m.ParseFromString(open("uni.model","rb").read())
cm = m.normalizer_spec.precompiled_charsmap
print("unigram model", os.path.getsize("uni.model"), "charsmap", len(cm), "pieces", len(m.pieces))
open("charsmap.bin","wb").write(cm)

# BPE with byte fallback, hand-built: <unk> <s> </s>, 256 bytes, ~30 pieces, one unused.
P = pb.ModelProto.SentencePiece
b = pb.ModelProto()
def add(piece, score=0.0, kind=P.NORMAL):
    p = b.pieces.add(); p.piece = piece; p.score = score; p.type = kind
add("<unk>", 0, P.UNKNOWN); add("<s>", 0, P.CONTROL); add("</s>", 0, P.CONTROL)
for i in range(256): add(f"<0x{i:02X}>", 0, P.BYTE)
normal = ["▁t","he","▁the","▁a","in","▁c","at","▁cat","▁s","▁sat","on","▁on","▁m","▁mat","ll","▁he","llo","▁hello","or","▁w","▁wor","ld","▁world","▁안","녕","▁안녕","하","세","요","▁1","23"]
for i, s in enumerate(normal): add(s, -float(i))
add("▁in", -40.0, P.UNUSED)    # an unused merge: split back when produced
for i, c in enumerate(dict.fromkeys(c for c in "▁thecasomlwrdnhi안녕하세요123," if c not in normal)):
    add(c, -100.0 - i)
add("<mask>", 0, P.USER_DEFINED)
b.trainer_spec.model_type = pb.TrainerSpec.BPE
b.trainer_spec.byte_fallback = True
b.trainer_spec.vocab_size = len(b.pieces)
b.normalizer_spec.name = "identity"
b.normalizer_spec.add_dummy_prefix = True
b.normalizer_spec.remove_extra_whitespaces = False
b.normalizer_spec.escape_whitespaces = True
open("bpe-byte-fallback.model","wb").write(b.SerializeToString())

# The same BPE with the tiny charsmap and whitespace removal, no byte fallback (runs of unknowns).
c = pb.ModelProto(); c.CopyFrom(b)
del c.pieces[3:259]
c.trainer_spec.byte_fallback = False
c.normalizer_spec.name = "tiny_rules"
c.normalizer_spec.precompiled_charsmap = cm
c.normalizer_spec.remove_extra_whitespaces = True
open("bpe-charsmap.model","wb").write(c.SerializeToString())

# Hand-built Unigram: scores as log probs, user-defined symbol, unused piece, the charsmap.
u = pb.ModelProto()
def addu(piece, score=0.0, kind=P.NORMAL):
    p = u.pieces.add(); p.piece = piece; p.score = score; p.type = kind
addu("<unk>", 0, P.UNKNOWN); addu("<s>", 0, P.CONTROL); addu("</s>", 0, P.CONTROL); addu("<sep>", 0, P.USER_DEFINED)
for i, s in enumerate(["▁","▁the","▁cat","s","▁a","t","h","e","c","▁안녕","안","녕","하세요","▁세계","가","1","fi","▁f","i","x"]):
    addu(s, -1.0 - 0.5*i)
addu("▁ca", -3.0, P.UNUSED)
u.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
u.normalizer_spec.name = "tiny_rules"
u.normalizer_spec.precompiled_charsmap = cm
open("unigram-hand.model","wb").write(u.SerializeToString())

for f in ["uni.model","bpe-byte-fallback.model","bpe-charsmap.model","unigram-hand.model"]:
    sp = spm.SentencePieceProcessor(model_file=f)
    for t in ["the cat sat", "ａ\u3000fi ① 가  x", "안녕하세요 <sep> a b", "unknown ✓ z"]:
        ids = sp.encode(t)
        print(f, os.path.getsize(f), repr(t), ids, repr(sp.decode(ids)))

from tokenizers import Tokenizer
cm = base64.b64encode(open("charsmap.bin","rb").read()).decode()
vocab = [["<pad>",0.0],["</s>",0.0],["<unk>",0.0],["▁",-2.0],["▁the",-3.0],["▁cat",-4.0],["s",-4.5],["▁a",-5.0],
         ["t",-5.5],["h",-6.0],["e",-6.5],["c",-7.0],["▁안녕",-7.5],["안",-8.0],["녕",-8.5],["하세요",-9.0],["가",-9.5],
         ["1",-10.0],["fi",-10.5],["▁f",-11.0],["i",-11.5],["<extra_id_0>",0.0]]
added = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
doc = {
 "version": "1.0", "truncation": None, "padding": None,
 "added_tokens": [added(0,"<pad>"), added(1,"</s>"), added(2,"<unk>"), added(21,"<extra_id_0>")],
 "normalizer": {"type": "Precompiled", "precompiled_charsmap": cm},
 "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
     {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}]},
 "post_processor": {"type": "TemplateProcessing",
     "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
     "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
              {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
     "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
 "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
 "model": {"type": "Unigram", "unk_id": 2, "vocab": vocab, "byte_fallback": False},
}
s = json.dumps(doc, ensure_ascii=False, indent=1)
open("unigram-precompiled.tokenizer.json","w").write(s)
t = Tokenizer.from_str(s)
for x in ["the cat sat", "ａ\u3000fi ① 가  x", "안녕하세요 <extra_id_0> a b"]:
    e = t.encode(x, add_special_tokens=False); print(repr(x), e.ids, repr(t.decode(e.ids)))
# Unigram with byte fallback, no normalizer
doc2 = dict(doc); doc2["normalizer"] = None
v2 = [["<unk>",0.0],["<s>",0.0],["</s>",0.0]] + [[f"<0x{i:02X}>",0.0] for i in range(256)] + [["▁",-2.0],["▁the",-3.0],["▁cat",-4.0],["s",-4.5],["a",-5.0],["t",-5.5],["▁안녕",-6.0],["하",-7.0]]
doc2["model"] = {"type": "Unigram", "unk_id": 0, "vocab": v2, "byte_fallback": True}
doc2["added_tokens"] = [added(0,"<unk>"), added(1,"<s>"), added(2,"</s>")]
doc2["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
doc2["decoder"] = {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
doc2["post_processor"] = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
s2 = json.dumps(doc2, ensure_ascii=False)
open("unigram-byte-fallback.tokenizer.json","w").write(s2)
t = Tokenizer.from_str(s2)
for x in ["the cat sat", "안녕하세요 ✓", "  two  spaces"]:
    e = t.encode(x, add_special_tokens=True); print(repr(x), e.ids, repr(t.decode(e.ids)))
# tiny tekken
import base64 as b64
vocab = [{"rank": i, "token_bytes": b64.b64encode(bytes([i])).decode(), "token_str": None} for i in range(256)]
for j, tok in enumerate([b"th", b"he", b"the", b" t", b" the", b"\xec\x95", b"\xec\x95\x88", b"in", b"ing"]):
    vocab.append({"rank": 256 + j, "token_bytes": b64.b64encode(tok).decode(), "token_str": None})
tek = {"config": {"pattern": "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
   "num_vocab_tokens": len(vocab), "default_vocab_size": len(vocab) - 2 + 8, "default_num_special_tokens": 8, "version": "v7"},
   "vocab": vocab,
   "special_tokens": [{"rank": i, "token_str": s, "is_control": True} for i, s in enumerate(["<unk>","<s>","</s>","[INST]","[/INST]","[AVAILABLE_TOOLS]","[/AVAILABLE_TOOLS]","[TOOL_RESULTS]"])]}
open("tiny.tekken.json","w").write(json.dumps(tek))
from mistral_common.tokens.tokenizers.tekken import Tekkenizer
tk = Tekkenizer.from_file("tiny.tekken.json")
print(tk.encode("the thing 안녕", bos=True, eos=False))

out = os.path.join(here, "corpus")
for f, d, name in [
    ("uni.model", "sentencepiece_loader", "trained-unigram-tiny-rules.model"),
    ("bpe-byte-fallback.model", "sentencepiece_loader", None),
    ("bpe-charsmap.model", "sentencepiece_loader", None),
    ("unigram-hand.model", "sentencepiece_loader", None),
    ("unigram-precompiled.tokenizer.json", "tokenizer_json_loader", None),
    ("unigram-byte-fallback.tokenizer.json", "tokenizer_json_loader", None),
    ("tiny.tekken.json", "tokenizer_json_loader", None),
]:
    os.makedirs(os.path.join(out, d), exist_ok=True)
    shutil.copy(f, os.path.join(out, d, name or f))
shutil.rmtree(work)
