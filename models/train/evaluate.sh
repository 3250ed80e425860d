#!/usr/bin/env bash
# Speaker-independent evaluation: for each fold (folds.sh), trains the recipe with that fold's
# speakers held out, exports it, and runs the Java `emostream eval` (the service's streaming path)
# on them.
# Every other clip is in training. Results: $EVAL_DIR/fold-N/*.txt|json (default EVAL_DIR=$WORK/eval);
# summary on stdout. TRAIN_ARGS adds train.py options (e.g. "--telephony-prob 0.3"); JAR overrides
# the jar (default target/emostream.jar). PARALLEL=N trains N folds at once, one torch thread each
# (this model trains as fast on one thread as on two, so on 2 cores PARALLEL=2 halves the time).
#   models/train/evaluate.sh [FOLD...]      # default: all 5
#   PARALLEL=2 models/train/evaluate.sh     # two folds at a time
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${WORK:-/tmp/emostream-train}
py=/usr/bin/python3
jar=${JAR:-$root/target/emostream.jar}
export JAR="$jar"
eval_dir=${EVAL_DIR:-$work/eval}
parallel=${PARALLEL:-1}
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || { echo "evaluate.sh: PARALLEL must be a positive integer, got '$parallel'" >&2; exit 2; }
"$here/prepare.sh"  # once, before any fold: the folds share its features

source "$here/folds.sh"

folds=("$@")
[ $# -gt 0 ] || folds=(1 2 3 4 5)
threads=()
if [ "$parallel" -gt 1 ]; then threads=(--threads 1); fi

run_fold() {
    local fold=$1
    local i=$((fold - 1)) holdout out features
    holdout=$(fold_holdout "$fold" "$work/wav")
    out="$eval_dir/fold-$fold"
    mkdir -p "$out/model"
    echo "== fold $fold: holding out $holdout"
    features=features
    if [ "${VAD:-1}" = 1 ]; then features=features-vad; fi  # as train.sh: speech only unless VAD=0
    "$py" "$here/train.py" --features-dir "$work/$features" --out-dir "$out" --seed 1 --holdout "$holdout" \
        "${threads[@]}" ${TRAIN_ARGS:-}
    "$py" "$here/export.py" --checkpoint "$out/model.pt" --version "fold-$fold" --models-dir "$out/model" \
        --parity-dir "$out/parity"
    run_eval() {  # corpus speakers extra-args...
        local corpus=$1 speakers=$2; shift 2
        java -jar "$jar" eval --manifest "$work/wav/$corpus/manifest.csv" --speakers "$speakers" \
            --model "$out/model/emotion-crnn.json" --json "$out/$corpus.json" "$@" > "$out/$corpus.txt" 2> "$out/$corpus.err"
        echo "fold $fold $corpus: $(tail -1 "$out/$corpus.txt")"
        if grep -q "failed and are not counted" "$out/$corpus.err"; then
            echo "fold $fold $corpus: some clips failed, see $out/$corpus.err" >&2
        fi
    }
    run_eval ravdess "${ravdess_folds[$i]}"
    run_eval ased "$(fold_ased "$fold" "$work/wav")" --restrict-labels
    if [ -n "${nemo_folds[$i]}" ]; then run_eval nemo "${nemo_folds[$i]}" --restrict-labels; fi
    if [ -n "${tess_folds[$i]}" ]; then run_eval tess "${tess_folds[$i]}" --restrict-labels; fi
}

failed=0
running=0
for fold in "${folds[@]}"; do
    if [ "$parallel" -eq 1 ]; then
        run_fold "$fold"
        continue
    fi
    if [ "$running" -ge "$parallel" ]; then
        wait -n || failed=$((failed + 1))
        running=$((running - 1))
    fi
    (run_fold "$fold" 2>&1 | sed -u "s/^/[fold $fold] /") &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=$((failed + 1))
    running=$((running - 1))
done
if [ "$failed" -gt 0 ]; then echo "evaluate.sh: $failed fold(s) failed" >&2; exit 1; fi
