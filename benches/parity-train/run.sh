#!/usr/bin/env bash
# Parity-aware training benchmark: `fairtok train` on Korean, English, Japanese, Chinese and code
# with classical BPE and the parity-aware variants, then the premium per language
# (tokens / eng_Latn tokens) and Gini on FLORES-200 dev (the selection set) and on held-out
# parallel sets (Tatoeba, UD Korean-PUD), plus tokens on held-out Rust code.
#
# Usage: benches/parity-train/run.sh [VOCAB...]        (default: 64000 128000)
# Env:   FAIRTOK_SHARED (default ../shared), CARGO_TARGET_DIR, THREADS (default 2),
#        OUT (default benches/parity-train/out: tokenizers, logs, JSON; not committed)
# Prints the Markdown tables (benches/parity-train/table.py); raw numbers in OUT/results.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
shared="${FAIRTOK_SHARED:-$root/../shared}"
target="${CARGO_TARGET_DIR:-$root/target}"
out="${OUT:-$root/benches/parity-train/out}"
threads="${THREADS:-2}"
vocabs=("$@")
[ ${#vocabs[@]} -eq 0 ] && vocabs=(64000 128000)
cargo build --release -p fairtok-cli --quiet
fairtok="$target/release/fairtok"
c="$shared/data/corpus"
p="$shared/data/parallel"
mkdir -p "$out/data" "$out/tok" "$out/log" "$out/eval"

# Code: the first 8,000,000 bytes (whole lines) of code.rust train, the rest is held out.
if [ ! -s "$out/data/code.rust.heldout.txt" ]; then
  zcat "$c/code.rust.txt.gz" | LC_ALL=C awk -v cap=8000000 -v a="$out/data/code.rust.train.txt" \
    -v b="$out/data/code.rust.heldout.txt" '{ n += length($0) + 1; if (n <= cap) print > a; else print > b }'
fi
# Tatoeba eng-zho: Mandarin in simplified script only (cmn_Hans), with its English side.
if [ ! -s "$out/data/tatoeba.zho_Hans" ]; then
  paste "$p/tatoeba/eng-zho.zho.labels" "$p/tatoeba/eng-zho.zho" "$p/tatoeba/eng-zho.eng" |
    awk -F'\t' -v z="$out/data/tatoeba.zho_Hans" -v e="$out/data/tatoeba.zho_Hans.eng" \
      '$1 == "cmn_Hans" { print $2 > z; print $3 > e }'
fi

inputs=(
  --input "kor_Hang=$c/ko.kowiki.txt.gz,$c/ko.boddari.txt.gz,$c/ko.klue-dev.txt"
  --input "eng_Latn=$c/en.gutenberg.txt.gz,$c/en.wikitext2.txt"
  --input "jpn_Jpan=$c/ja.manpages.txt.gz"
  --input "zho_Hans=$c/zh.manpages.txt.gz"
  --input "code=$c/code.python.txt.gz,$out/data/code.rust.train.txt"
)
dev="$p/flores200-dev"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)" >&2

for v in "${vocabs[@]}"; do
  k=$(( (v - 256) / 2 ))
  for variant in classical parity hybrid window; do
    case $variant in
      classical) extra=() ;;
      parity) extra=(--parity-dev "$dev" --parity-exclude code) ;;
      hybrid) extra=(--parity-dev "$dev" --parity-exclude code --parity-hybrid "$k") ;;
      window) extra=(--parity-dev "$dev" --parity-exclude code --parity-window 100) ;;
    esac
    name="$variant-$v"
    tok="$out/tok/$name.json"
    echo "training $name" >&2
    /usr/bin/time -f "%e %M %U %S" -o "$out/log/$name.time" \
      "$fairtok" train "${inputs[@]}" --vocab-size "$v" --pattern o200k --threads "$threads" \
      "${extra[@]}" -o "$tok" 2> "$out/log/$name.log"
  done
done

toks=$(ls "$out"/tok/*.json | sort | paste -sd, -)
"$fairtok" parity -t "$toks" --parallel "$dev" --langs kor_Hang,eng_Latn,jpn_Jpan,zho_Hans \
  --json "$out/eval/flores.json" --quiet
"$fairtok" parity -t "$toks" --pair "eng_Latn=$p/tatoeba/eng-kor.eng" \
  --pair "kor_Hang=$p/tatoeba/eng-kor.kor" --json "$out/eval/tatoeba-kor.json" --quiet
"$fairtok" parity -t "$toks" --pair "eng_Latn=$p/tatoeba/eng-jpn.eng" \
  --pair "jpn_Jpan=$p/tatoeba/eng-jpn.jpn" --json "$out/eval/tatoeba-jpn.json" --quiet
"$fairtok" parity -t "$toks" --pair "eng_Latn=$out/data/tatoeba.zho_Hans.eng" \
  --pair "zho_Hans=$out/data/tatoeba.zho_Hans" --json "$out/eval/tatoeba-zho.json" --quiet
"$fairtok" parity -t "$toks" --pair "eng_Latn=$p/ud-korean-pud/pud.en" \
  --pair "kor_Hang=$p/ud-korean-pud/pud.ko" --json "$out/eval/pud.json" --quiet
"$fairtok" count -t "$toks" --json "$out/data/code.rust.heldout.txt" > "$out/eval/code.json"
python3 benches/parity-train/table.py "$out"
