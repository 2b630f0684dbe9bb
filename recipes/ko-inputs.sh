# The Korean training mix of llama3_ko and qwen3_ko, as `fairtok extend` arguments in the bash
# array KO_INPUTS. Sourced by recipes/extend-hf-ko.sh; needs C=path/to/shared/data/corpus.
# This is o200k_ko's first mix (why each corpus has its weight: recipes/o200k_ko/README.md).
# o200k_ko itself now caps repeated words and weighs the translated sentences ×30
# (recipes/o200k_ko/build.sh); llama3_ko and qwen3_ko stay on this mix, which their cards
# measured.
KO_INPUTS=(
  --input "kor_Hang=$C/ko.kowiki.txt.gz"
  --input "kor_Hang@12=$C/ko.boddari.txt.gz,$C/ko.klue-dev.txt,$C/ko.kornlu.txt"
  --input "kor_Hang@4=$C/ko.petitions.txt.gz"
  --input "kor_Hang@0.2=$C/ko.laws.txt.gz,$C/ko.precedents.txt.gz"
  --min-frequency 2
)
