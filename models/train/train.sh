#!/usr/bin/env bash
# Reproduces the shipped model from ../shared/data, end to end:
#   decode the corpora to WAV -> `emostream features` (the Java extractor, models/feature-spec.json)
#   -> train.py (fixed seed) -> export.py (ONNX + descriptor + parity vectors) -> plots.
#
#   models/train/train.sh [VERSION]          # WORK=/tmp/emostream-train by default
#
# Needs: apt-get install opus-tools python3-torch python3-onnx python3-matplotlib; JDK 17 + Maven.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DATA:-$root/../shared/data}
work=${WORK:-/tmp/emostream-train}
version=${1:-$(date +%Y.%m.%d)}
py=/usr/bin/python3

[ -d "$data" ] || { echo "train.sh: corpora not found at $data (set DATA=...)" >&2; exit 2; }
"$here/prepare.sh"
echo "== training (seed 1)"
"$py" "$here/train.py" --features-dir "$work/features" --out-dir "$work/shipped" --seed 1 ${TRAIN_ARGS:-}
echo "== export"
"$py" "$here/export.py" --checkpoint "$work/shipped/model.pt" --version "$version"
"$py" "$here/plots.py" curves "$work/shipped/history.json" "$root/models/training-curves.png"
echo "== done: models/emotion-crnn.onnx version $version"
