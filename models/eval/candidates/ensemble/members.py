"""Held-out figures of an ensemble's members and of their clip-posterior averages (train.py's
PyTorch evaluation; end-of-clip decisions among the corpus's labels, RAVDESS among its 8):

    /usr/bin/python3 members.py RUN_DIR [RUN_DIR...]

Each RUN_DIR holds heldout-<corpus>.json as train.py writes them, all for the same held-out
speakers. Prints each member, the members' mean, the average of every member, and of each subset
of all but one (how much one member adds). Made fold1.txt (the four members of models/train/ensemble.sh, fold 1)."""
import itertools
import json
import sys
from pathlib import Path

import numpy as np

# The same end-of-clip decision and macro-F1 as the distillation sweep's summary.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "distillation-gpu"))
from summarise import decide, macro_f1  # noqa: E402

CORPORA = ("ravdess", "ased", "nemo", "tess")


def main():
    runs = [Path(a) for a in sys.argv[1:]]
    if len(runs) < 2:
        sys.exit(__doc__)
    names = [r.name for r in runs]
    print("members: " + ", ".join(f"{i + 1}={n}" for i, n in enumerate(names)))
    for corpus in CORPORA:
        files = [r / f"heldout-{corpus}.json" for r in runs]
        if not all(f.exists() for f in files):
            continue
        clips = [json.loads(f.read_text()) for f in files]
        assert all([c["file"] for c in x] == [c["file"] for c in clips[0]] for x in clips), "members saw other clips"
        y = np.array([c["label"] for c in clips[0]])
        probs = [np.array([c["probs_end"] for c in x]) for x in clips]

        def figures(members):
            pred, labels = decide(sum(probs[i] for i in members), y)
            return float((pred == y).mean()), macro_f1(pred, y, labels)

        single = [figures([i]) for i in range(len(runs))]
        line = " ".join(f"{a:.3f}" for a, _ in single)
        every = figures(range(len(runs)))
        print(f"{corpus:8s} n={len(y):5d}  members {line}  mean {np.mean([a for a, _ in single]):.3f}"
              f"  averaged {every[0]:.3f} (macro-F1 {every[1]:.3f}; members' mean {np.mean([f for _, f in single]):.3f})")
        if len(runs) > 2:
            for subset in itertools.combinations(range(len(runs)), len(runs) - 1):
                a, f = figures(subset)
                print(f"{'':8s} without member {({*range(len(runs))} - {*subset}).pop() + 1}: {a:.3f} (macro-F1 {f:.3f})")


if __name__ == "__main__":
    main()
