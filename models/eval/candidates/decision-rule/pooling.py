"""Clip decision rules on the held-out RAVDESS clips of each fold's model: the last step (shipped),
the mean of the per-step posteriors, of the log-posteriors, and the mean over the last N steps."""
import sys
import numpy as np, torch
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[3] / "train"))
import data, train
torch.set_num_threads(1)
if len(sys.argv) < 3:
    sys.exit("usage: /usr/bin/python3 pooling.py RUNS_DIR FEATURES_DIR  (RUNS_DIR/fold-N/model.pt from train.py)")
root = sys.argv[1]
feats = sys.argv[2]
clips = data.load(feats)
masks = data.corpus_label_masks(clips)
spec = data.feature_spec(feats)
res = {}
for f in range(1, 6):
    path = f"{root}/fold-{f}/model.pt"
    ck = torch.load(path)
    m = train.load_teacher(path, ck["args"]["holdout"], "cpu")
    _, test = data.split(clips, data.parse_holdout(ck["args"]["holdout"]))
    for corpus in ("ravdess", "ased", "nemo"):
        sub = [c for c in test if c.corpus == corpus]
        if not sub:
            continue
        probs = train.clip_probabilities(m, sub, m.stack, "cpu", 64)
        y = np.array([c.label for c, p in zip(sub, probs) if p is not None])
        ps = [p * (masks[c.corpus] if corpus != "ravdess" else 1) for c, p in zip(sub, probs) if p is not None]
        rules = {
            "last": [p[-1] for p in ps],
            "mean": [p.mean(0) for p in ps],
            "logmean": [np.log(p + 1e-9).mean(0) for p in ps],
            "mean_after_25": [p[min(25, len(p) - 1):].mean(0) for p in ps],
            "mean_last_25": [p[-25:].mean(0) for p in ps],
        }
        if corpus != "ravdess":
            rules = {k: [np.where(masks[corpus], v, -np.inf if k == "logmean" else 0) for v in vs] for k, vs in rules.items()}
        # after 1 s of audio: last step vs running mean at that point
        for k, v in rules.items():
            res.setdefault((corpus, k), []).append((np.array(v).argmax(1) == y).mean())
    print(f"fold {f}: " + "  ".join(f"{k[0]}/{k[1]} {v[-1]:.3f}" for k, v in res.items() if k[0] == "ravdess"), flush=True)
for (corpus, k), v in res.items():
    print(f"{corpus:8s} {k:14s} mean {np.mean(v):.3f}  folds " + " ".join(f"{x:.3f}" for x in v))
