#!/usr/bin/python3
"""Figures for the model card.

    plots.py curves HISTORY.json OUT.png          # training loss (and held-out accuracy) per epoch
    plots.py confusion EVAL.json OUT.png [TITLE]  # confusion matrix from `emostream eval --json`
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def curves(history_file, out):
    history = json.loads(open(history_file).read())
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    lines = ax.plot(epochs, [h["loss"] for h in history], label="training loss (every step)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    held = [(h["epoch"], h["heldout"]["accuracy"]) for h in history if "heldout" in h]
    if held:
        ax2 = ax.twinx()
        lines += ax2.plot(*zip(*held), "o-", color="tab:orange", label="held-out accuracy (8 labels, all held-out clips)")
        ax2.set_ylabel("accuracy")
        ax2.set_ylim(0, 1)
    # one legend for both axes, below the plot: two legends inside it covered each other and the curves
    ax.legend(lines, [l.get_label() for l in lines], loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
              fontsize="small", frameon=False)
    ax.set_title("training")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def confusion(eval_file, out, title="confusion matrix"):
    report = json.loads(open(eval_file).read())
    labels = report["labels"]
    m = np.array(report["confusion"], dtype=float)
    keep = m.sum(1) > 0
    rows = m[keep]
    norm = rows / rows.sum(1, keepdims=True)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(int(keep.sum())), [l for l, k in zip(labels, keep) if k])
    for i in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            if rows[i, j]:
                ax.text(j, i, int(rows[i, j]), ha="center", va="center",
                        color="white" if norm[i, j] > 0.5 else "black", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title}\naccuracy {report['accuracy']:.3f}, macro-F1 {report['macro_f1']:.3f}, n={report['clips']}")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "curves":
        curves(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "confusion":
        confusion(sys.argv[2], sys.argv[3], *sys.argv[4:5])
    else:
        sys.exit(__doc__)
