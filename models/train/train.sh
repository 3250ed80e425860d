#!/usr/bin/env bash
# Reproduces the shipped model from ../shared/data, end to end:
#   decode the corpora to WAV -> `emostream features` (the Java extractor, models/feature-spec.json)
#   -> train.py (fixed seed) -> export.py (ONNX + descriptor + parity vectors) -> plots.
#
#   models/train/train.sh [VERSION [FOLD]]   # WORK=/tmp/emostream-train by default
#
# With FOLD (1-5, see folds.sh) that fold's speakers are held out, as evaluate.sh does; the shipped
# 0.4.0 is `TRAIN_ARGS="--threads 1" train.sh 0.4.0 1`, so every figure in the model card is on
# speakers it never heard (0.3.1: the same with `--epochs 32` added to TRAIN_ARGS).
#
# VAD=1 (default) trains on the frames of speech alone (prepare.sh's features-vad: what the service's
# VAD passes to the model); VAD=0 on every frame, as 0.1.0 and 0.2.0 did.
#
# Needs: apt-get install opus-tools python3-torch python3-onnx python3-matplotlib libopenblas0-pthread; JDK 17 + Maven.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DATA:-$root/../shared/data}
work=${WORK:-/tmp/emostream-train}
version=${1:-$(date +%Y.%m.%d)}
fold=${2:-}
py=/usr/bin/python3

[ -d "$data" ] || { echo "train.sh: corpora not found at $data (set DATA=...)" >&2; exit 2; }
"$here/prepare.sh"
holdout=""
if [ -n "$fold" ]; then
    source "$here/folds.sh"
    holdout=$(fold_holdout "$fold" "$work/wav")
fi
echo "== training (seed 1${holdout:+, holding out $holdout})"
features=features
if [ "${VAD:-1}" = 1 ]; then features=features-vad; fi
"$py" "$here/train.py" --features-dir "$work/$features" --out-dir "$work/shipped" --seed 1 \
    --holdout "$holdout" ${TRAIN_ARGS:-}
echo "== export"
"$py" "$here/export.py" --checkpoint "$work/shipped/model.pt" --version "$version"
"$py" "$here/plots.py" curves "$work/shipped/history.json" "$root/models/figures/training-curves.png"
echo "== done: models/emotion-crnn.onnx version $version"
