"""Two trainings' held-out figures and their clip-posterior average, per fold and corpus:

    /usr/bin/python3 compare_seeds.py RUNS_A RUNS_B [RUNS_C]

RUNS_* hold fold-N/heldout-<corpus>.json as train.py writes them (end-of-clip decisions over the
corpus's labels, RAVDESS over 8); a third set of runs is shown beside, without averaging.
Made ensemble-5-folds.txt with the 0.4.0 recipe's seed-1 and seed-2 runs."""
import json
import sys
from pathlib import Path
import numpy as np

if len(sys.argv) < 3:
    sys.exit(__doc__)
A, B = Path(sys.argv[1]), Path(sys.argv[2])
C = Path(sys.argv[3]) if len(sys.argv) > 3 else None

def acc(p, y, labels):
    m = np.full(p.shape[1], -np.inf); m[labels] = 0
    return ((p + m).argmax(1) == y).mean()

def f1(p, y, labels):
    m = np.full(p.shape[1], -np.inf); m[labels] = 0
    pred = (p + m).argmax(1); out = []
    for k in labels:
        tp = ((pred == k) & (y == k)).sum(); pr = tp / max((pred == k).sum(), 1); rc = tp / max((y == k).sum(), 1)
        out.append(0 if pr + rc == 0 else 2 * pr * rc / (pr + rc))
    return np.mean(out)

rows = {}
for f in range(1, 6):
    for c in ("ravdess", "ased", "nemo", "tess"):
        fa, fb = A / f"fold-{f}/heldout-{c}.json", B / f"fold-{f}/heldout-{c}.json"
        if not (fa.exists() and fb.exists()):
            continue
        a, b = json.load(open(fa)), json.load(open(fb))
        assert [x["file"] for x in a] == [x["file"] for x in b]
        y = np.array([x["label"] for x in a]); labels = sorted(set(y.tolist()))
        pa = np.array([x["probs_end"] for x in a]); pb = np.array([x["probs_end"] for x in b])
        r = [acc(pa, y, labels), acc(pb, y, labels), acc(pa + pb, y, labels)]
        if c == "ravdess":
            r += [f1(pa, y, labels), f1(pb, y, labels), f1(pa + pb, y, labels)]
        if C and (C / f"fold-{f}/heldout-{c}.json").exists():
            pc = np.array([x["probs_end"] for x in json.load(open(C / f"fold-{f}/heldout-{c}.json"))])
            r += [acc(pc, y, labels)]
        rows.setdefault(c, []).append(r)
        print(f"fold {f} {c:8s} " + " ".join(f"{v:.3f}" for v in r) + f"  agree {(pa.argmax(1) == pb.argmax(1)).mean():.2f} n={len(y)}")
print("means (seed1 seed2 ensemble [F1 x3] [third]):")
for c, r in rows.items():
    r = np.array(r)
    print(f"  {c:8s} folds {len(r)}: " + " ".join(f"{v:.3f}" for v in r.mean(0)))
