# The Korean training mix of fairtok's Korean recipes (o200k_ko, llama3_ko, qwen3_ko), as
# `fairtok extend` arguments in the bash array KO_INPUTS. Sourced by their build.sh; why each
# corpus has its weight is in recipes/o200k_ko/README.md. Needs C=path/to/shared/data/corpus.
KO_INPUTS=(
  --input "kor_Hang=$C/ko.kowiki.txt.gz"
  --input "kor_Hang@12=$C/ko.boddari.txt.gz,$C/ko.klue-dev.txt,$C/ko.kornlu.txt"
  --input "kor_Hang@4=$C/ko.petitions.txt.gz"
  --input "kor_Hang@0.2=$C/ko.laws.txt.gz,$C/ko.precedents.txt.gz"
  --min-frequency 2
)
