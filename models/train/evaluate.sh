#!/usr/bin/env bash
# Speaker-independent evaluation: for each fold, trains the recipe with that fold's speakers held
# out, exports it, and runs the Java `emostream eval` (the service's streaming path) on them.
#   RAVDESS: 5 folds of 4 actors. nEMO: 2 of its 8 speakers per fold (folds 1-4). ASED: 12 of its
#   61 speakers per fold. TESS: leave-one-speaker-out in folds 1 (OAF) and 2 (YAF).
# Every other clip is in training. Results: $WORK/eval/fold-N/*.txt|json; summary on stdout.
#   models/train/evaluate.sh [FOLD...]      # default: all 5
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${WORK:-/tmp/emostream-train}
py=/usr/bin/python3
jar="$root/target/emostream.jar"
"$here/prepare.sh"

ravdess=("01,02,03,04" "05,06,07,08" "09,10,11,12" "13,14,15,16" "17,18,19,20")
nemo=("EB0,IC0" "KD0,MK0" "MP0,SM0" "TP0,WR0" "")
tess=("OAF" "YAF" "" "" "")
mapfile -t ased_speakers < <(tail -n +2 "$work/wav/ased/manifest.csv" | cut -d, -f3 | sort -u)

for fold in "${@:-1 2 3 4 5}"; do
    i=$((fold - 1))
    ased=$(printf '%s\n' "${ased_speakers[@]}" | awk -v f="$i" 'NR % 5 == f' | paste -sd, -)
    holdout="ravdess:${ravdess[$i]};ased:$ased"
    [ -n "${nemo[$i]}" ] && holdout="$holdout;nemo:${nemo[$i]}"
    [ -n "${tess[$i]}" ] && holdout="$holdout;tess:${tess[$i]}"
    out="$work/eval/fold-$fold"
    mkdir -p "$out/model"
    echo "== fold $fold: holding out $holdout"
    "$py" "$here/train.py" --features-dir "$work/features" --out-dir "$out" --seed 1 --holdout "$holdout" ${TRAIN_ARGS:-}
    "$py" "$here/export.py" --checkpoint "$out/model.pt" --version "fold-$fold" --models-dir "$out/model" \
        --parity-dir "$out/parity"
    run_eval() {  # corpus speakers extra-args...
        local corpus=$1 speakers=$2; shift 2
        java -jar "$jar" eval --manifest "$work/wav/$corpus/manifest.csv" --speakers "$speakers" \
            --model "$out/model/emotion-crnn.json" --json "$out/$corpus.json" "$@" > "$out/$corpus.txt" 2>/dev/null
        echo "fold $fold $corpus: $(tail -1 "$out/$corpus.txt")"
    }
    run_eval ravdess "${ravdess[$i]}"
    run_eval ased "$ased" --restrict-labels
    [ -n "${nemo[$i]}" ] && run_eval nemo "${nemo[$i]}" --restrict-labels
    [ -n "${tess[$i]}" ] && run_eval tess "${tess[$i]}" --restrict-labels
done
