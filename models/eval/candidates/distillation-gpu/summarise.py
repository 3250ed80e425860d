"""Held-out figures of the GPU distillation sweep (2026-11-23), per recipe, and clip-posterior averages:

    /usr/bin/python3 summarise.py RUNS_DIR [RUNS_DIR...]

RUNS_DIR holds NAME-fN/heldout-<corpus>.json as train.py writes them (sweep.sh's layout), NAME one of
t1, t2 (plain, seeds 1 and 2: the teachers), p3, p4 (plain, seeds 3 and 4), s3, s4 (seeds 3 and 4
distilled from t1 + t2 of the same fold). End-of-clip decisions over the corpus's labels (RAVDESS over
its 8, which are all labels); then RAVDESS recall and confusions, and a prior-balancing bound. Made summary.txt."""
import json
import sys
from pathlib import Path

import numpy as np

CORPORA = ("ravdess", "ased", "nemo", "tess")


def load(dirs):
    runs = {}
    for d in dirs:
        for run in sorted(Path(d).iterdir()):
            if run.is_dir() and (run / "heldout.json").exists():
                name, fold = run.name.rsplit("-f", 1)
                for c in CORPORA:
                    f = run / f"heldout-{c}.json"
                    if f.exists():
                        clips = json.loads(f.read_text())
                        runs[(name, int(fold), c)] = (
                            [x["file"] for x in clips], np.array([x["label"] for x in clips]),
                            np.array([x["probs_end"] for x in clips]), run / "heldout.json")
    return runs


def decide(p, y):
    labels = sorted(set(y.tolist()))
    mask = np.full(p.shape[1], -np.inf)
    mask[labels] = 0
    return (p + mask).argmax(1), labels


def macro_f1(pred, y, labels):
    out = []
    for k in labels:
        tp = ((pred == k) & (y == k)).sum()
        pr, rc = tp / max((pred == k).sum(), 1), tp / max((y == k).sum(), 1)
        out.append(0 if pr + rc == 0 else 2 * pr * rc / (pr + rc))
    return float(np.mean(out))


def figures(runs, members, fold, corpus):
    """Accuracy and macro-F1 of the members' averaged posteriors (one member: that run); None if absent."""
    got = [runs.get((m, fold, corpus)) for m in members]
    if any(g is None for g in got):
        return None
    files, y = got[0][0], got[0][1]
    assert all(g[0] == files for g in got), "runs disagree on the held-out clips"
    pred, labels = decide(sum(g[2] for g in got), y)
    return float((pred == y).mean()), macro_f1(pred, y, labels), len(y), int((pred == y).sum())


def after_1s(runs, name, fold):
    g = runs.get((name, fold, "ravdess"))
    return json.loads(g[3].read_text())["ravdess"]["accuracy_at_1.0s"] if g else None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = load(sys.argv[1:])
    names = sorted({k[0] for k in runs})
    recipes = [(n,) for n in names] + [("t1", "t2"), ("p3", "p4"), ("s3", "s4"), ("p3", "p4", "t1", "t2")]
    print("RAVDESS accuracy per fold (240 clips each, 8 labels), mean over folds; macro-F1 mean; after 1 s of speech mean")
    print("recipe         " + "  ".join(f"fold {f}" for f in range(1, 6)) + "   mean   macro-F1  after 1 s")
    for r in recipes:
        per = [figures(runs, r, f, "ravdess") for f in range(1, 6)]
        if any(p is None for p in per):
            continue
        a1 = [after_1s(runs, r[0], f) for f in range(1, 6)] if len(r) == 1 else None
        print(f"{'+'.join(r):14s} " + "  ".join(f"{p[0]:.3f} " for p in per)
              + f"  {np.mean([p[0] for p in per]):.3f}   {np.mean([p[1] for p in per]):.3f}"
              + (f"     {np.mean(a1):.3f}" if a1 else ""))
    print()
    print("Other held-out corpora, mean accuracy over the folds that hold them out; 'all': every held-out clip pooled")
    print("recipe         " + "  ".join(f"{c:7s}" for c in CORPORA) + "  all")
    for r in recipes:
        cells, right, total = [], 0, 0
        for c in CORPORA:
            per = [figures(runs, r, f, c) for f in range(1, 6)]
            per = [p for p in per if p is not None]
            cells.append(f"{np.mean([p[0] for p in per]):.3f}  " if per else "   -    ")
            right += sum(p[3] for p in per)
            total += sum(p[2] for p in per)
        if total:
            print(f"{'+'.join(r):14s} " + " ".join(cells) + f" {right / total:.3f}")
    print()
    confusion_and_balance(runs)


def confusion_and_balance(runs):
    """RAVDESS over the five folds: per-class recall and the largest confusions of one run and of the
    four plain seeds averaged; and each run's accuracy when its posteriors are divided by their mean
    over the fold's clips (so that the average posterior is uniform). That uses the held-out clips'
    unlabelled outputs (transductive): an upper bound of what a prior correction could give."""
    labels = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
    def pooled(members):
        ys, ps = [], []
        for f in range(1, 6):
            got = [runs.get((m, f, "ravdess")) for m in members]
            if any(g is None for g in got):
                return None, None
            ys.append(got[0][1])
            ps.append(sum(g[2] for g in got))
        return np.concatenate(ys), np.concatenate(ps)
    for members in (("p3",), ("t1", "t2", "p3", "p4")):
        y, p = pooled(members)
        if y is None:
            continue
        pred = p.argmax(1)
        cm = np.zeros((8, 8), int)
        np.add.at(cm, (y, pred), 1)
        print(f"{'+'.join(members)}: recall " + ", ".join(f"{labels[i]} {cm[i, i] / cm[i].sum():.2f}" for i in range(8))
              + f"; disgust predicted {cm[:, 6].sum()} times for {cm[6].sum()} clips")
        pairs = sorted(((cm[i, j] + cm[j, i], labels[i], labels[j]) for i in range(8) for j in range(i + 1, 8)), reverse=True)
        print("  largest confusions (both ways): " + ", ".join(f"{a}/{b} {n}" for n, a, b in pairs[:5])
              + f" of {(pred != y).sum()} errors")
    for name in sorted({k[0] for k in runs}):
        base, balanced = [], []
        for f in range(1, 6):
            g = runs.get((name, f, "ravdess"))
            if g is None:
                break
            y, p = g[1], g[2]
            base.append((p.argmax(1) == y).mean())
            balanced.append(((p / p.mean(0)).argmax(1) == y).mean())
        if len(base) == 5:
            print(f"{name}: RAVDESS {np.mean(base):.3f}, posteriors balanced over the fold {np.mean(balanced):.3f}")


if __name__ == "__main__":
    main()
