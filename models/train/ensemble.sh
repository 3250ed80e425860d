#!/usr/bin/env bash
# A candidate, not shipped (models/README.md, "Candidate: four trainings averaged in one graph"):
# four trainings of the 0.4.0 recipe on the same speakers, exported as one ONNX graph whose
# probabilities are the members' average (export.py with several checkpoints; model.EnsembleWrapper),
# to $WORK/ensemble/model/ with its parity vectors; the Java service loads it with model.path.
#
#   models/train/ensemble.sh [VERSION [FOLD]]   # WORK=/tmp/emostream-train by default
#
# Members: seeds 1, 2 and 3, and seed 1 with the predictive auxiliary loss (--apc-weight 0.3
# --apc-shift 2; its head is not exported). PARALLEL (default 3) trainings run at once, one torch
# thread each: on the 2-core machine three at once took ~140 s per epoch (~100 min).
#
# Needs: apt-get install opus-tools python3-torch python3-onnx python3-matplotlib libopenblas0-pthread; JDK 17 + Maven.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DATA:-$root/../shared/data}
work=${WORK:-/tmp/emostream-train}
version=${1:-$(date +%Y.%m.%d)-x4}
fold=${2:-}
parallel=${PARALLEL:-3}
py=/usr/bin/python3
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || { echo "ensemble.sh: PARALLEL must be a positive integer, got '$parallel'" >&2; exit 2; }

[ -d "$data" ] || { echo "ensemble.sh: corpora not found at $data (set DATA=...)" >&2; exit 2; }
"$here/prepare.sh"
holdout=""
if [ -n "$fold" ]; then
    source "$here/folds.sh"
    holdout=$(fold_holdout "$fold" "$work/wav")
fi
members=("seed1:--seed 1" "seed2:--seed 2" "seed3:--seed 3" "apc1:--seed 1 --apc-weight 0.3 --apc-shift 2")
checkpoints=()
trap 'kill $(jobs -p) 2>/dev/null || true' INT TERM  # no orphaned trainings after Ctrl-C
running=0
failed=0
for m in "${members[@]}"; do
    name=${m%%:*}
    args=${m#*:}
    out="$work/ensemble/$name"
    checkpoints+=("$out/model.pt")
    if [ "$running" -ge "$parallel" ]; then
        wait -n || failed=$((failed + 1))
        running=$((running - 1))
    fi
    echo "== training member $name ($args${holdout:+, holding out $holdout}): log in $out.log"
    mkdir -p "$out"
    # shellcheck disable=SC2086  # $args is a list of options
    # TRAIN_ARGS first: a member's own options (its seed) must win over them.
    "$py" "$here/train.py" --features-dir "$work/features-vad" --out-dir "$out" --threads 1 ${TRAIN_ARGS:-} $args \
        --holdout "$holdout" > "$out.log" 2>&1 &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=$((failed + 1))
    running=$((running - 1))
done
if [ "$failed" -gt 0 ]; then echo "ensemble.sh: $failed member(s) failed, see $work/ensemble/*.log" >&2; exit 1; fi
echo "== export"
mkdir -p "$work/ensemble/model"
"$py" "$here/export.py" --checkpoint "${checkpoints[@]}" --version "$version" \
    --models-dir "$work/ensemble/model" --parity-dir "$work/ensemble/parity"
echo "== done: $work/ensemble/model/emotion-crnn.json (emostream ... -s model.path=$work/ensemble/model/emotion-crnn.json)"
