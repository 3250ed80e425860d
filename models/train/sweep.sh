#!/usr/bin/env bash
# Trains several recipes x folds at once on one machine (a GPU box: one process per training, each
# with one CPU thread for its batches) and prints train.py's held-out figures side by side.
#
#   models/train/sweep.sh JOBS FEATURES_DIR OUT_DIR [TIMEOUT_S]
#
# JOBS: one training per line, "NAME FOLD [train.py options...]", e.g. "bnv-f3 3 --bn-steps valid".
# Each runs `train.py --features-dir FEATURES_DIR --out-dir OUT_DIR/NAME --holdout <fold FOLD>
# --threads 1 $SWEEP_ARGS <options>` in its own session (setsid: it survives the calling shell),
# logging to OUT_DIR/NAME.log. The script waits until none runs (or TIMEOUT_S, default 3000, passes:
# then the ones still running go on and a later `sweep.sh - ...` with JOBS "-" only waits and reports).
# SWEEP_ARGS (default "--device cuda") goes to every run.
# Fold holdouts come from folds.sh and the manifests in DATA (default ../shared/data), or, where the
# corpora are absent (a GPU box), from HOLDOUTS=FILE: line N is fold N's --holdout (write it with
# `HOLDOUTS_OUT=FILE models/train/sweep.sh` on a machine that has the data).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DATA:-$root/../shared/data}
py=${PYTHON:-python3}
source "$here/folds.sh"

if [ -n "${HOLDOUTS_OUT:-}" ]; then
    for f in 1 2 3 4 5; do fold_holdout "$f" "$data"; done > "$HOLDOUTS_OUT"
    echo "wrote the five folds' holdouts to $HOLDOUTS_OUT"
    exit 0
fi
[ $# -ge 3 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
jobs_file=$1 features=$2 out=$3 timeout=${4:-3000}
[ -d "$features" ] || { echo "sweep.sh: no features directory $features" >&2; exit 2; }
mkdir -p "$out"

holdout_of() {
    if [ -n "${HOLDOUTS:-}" ]; then
        sed -n "${1}p" "$HOLDOUTS"
    elif [ -f "$data/ased/manifest.csv" ]; then
        fold_holdout "$1" "$data"
    else
        echo "sweep.sh: corpora not found at $data: set DATA, or HOLDOUTS=FILE (see the header)" >&2
        return 1
    fi
}

if [ "$jobs_file" != - ]; then
    # a copy of the code, so that editing the checkout does not change runs in flight
    code="$out/.code"
    rm -rf "$code" && cp -r "$here" "$code"
    while read -r name fold args; do
        [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
        holdout=$(holdout_of "$fold")
        rm -rf "${out:?}/$name"
        # shellcheck disable=SC2086  # options split on purpose
        OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1 setsid nohup "$py" "$code/train.py" --features-dir "$features" \
            --out-dir "$out/$name" --holdout "$holdout" --threads 1 ${SWEEP_ARGS:---device cuda} $args \
            > "$out/$name.log" 2>&1 < /dev/null &
        echo "started $name (fold $fold) $args"
    done < "$jobs_file"
fi

# Wait while any training of this sweep runs (a crashed one counts as finished: its log says why).
end=$(($(date +%s) + timeout))
while pgrep -f "$out/.code/train.py" > /dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 10; done
if pgrep -f "$out/.code/train.py" > /dev/null; then echo "still running after ${timeout} s"; fi

for log in "$out"/*.log; do
    [ -e "$log" ] || continue
    name=$(basename "$log" .log)
    if [ -f "$out/$name/heldout.json" ]; then
        "$py" - "$out/$name" <<'EOF'
import json, sys
from pathlib import Path
d = Path(sys.argv[1])
r = json.loads((d / "heldout.json").read_text())
hist = json.loads((d / "history.json").read_text())
rv = r.get("ravdess", {})
others = " ".join(f"{k} {v['accuracy']:.3f}" for k, v in r.items() if k != "ravdess")
print(f"{d.name}: ravdess {rv.get('accuracy', 0):.3f} macro-F1 {rv.get('macro_f1', 0):.3f} "
      f"after 1 s {rv.get('accuracy_at_1.0s', 0):.3f} | {others} | {sum(e['seconds'] for e in hist):.0f} s")
EOF
    else
        echo "$name: not finished ($(grep -c '"epoch"' "$log" || true) epochs): $(tail -n 1 "$log" | cut -c1-160)"
    fi
done
