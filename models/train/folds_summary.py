#!/usr/bin/python3
"""Speaker-independent folds side by side, from `emostream eval --json` reports (evaluate.sh's
fold-N/ directories):

    folds_summary.py FOLD_DIR... [--pooled-confusion OUT.json]

prints a Markdown table per corpus (accuracy, macro-F1, accuracy after 0.5/1/2/3 s of speech, clips
with a decision), the mean over the folds, and for RAVDESS the pooled confusion matrix (the sum of
the folds'; every RAVDESS actor is held out in exactly one fold, with its pooled accuracy and
macro-F1), which plots.py confusion draws.
"""
import argparse
import json
import os
import statistics

SPEECH_SECONDS = ("0.5", "1.0", "2.0", "3.0")


def load(fold_dir, corpus):
    path = os.path.join(fold_dir, corpus + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def row(name, report):
    after = report["accuracy_after_speech_seconds"]
    return [name, report["accuracy"], report["macro_f1"]] + [after.get(s) for s in SPEECH_SECONDS] + [report["clips"]]


def fmt(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)


def table(corpus, fold_dirs):
    rows = []
    for d in fold_dirs:
        report = load(d, corpus)
        if report is not None:
            rows.append(row(os.path.basename(os.path.normpath(d)), report))
    if not rows:
        return None
    lines = [f"{corpus}:", "",
             "| fold | accuracy | macro-F1 | after 0.5 s of speech | 1 s | 2 s | 3 s | clips decided |",
             "|---|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in rows]
    if len(rows) > 1:
        means = ["**mean**"]
        for i in range(1, 7):
            values = [r[i] for r in rows if r[i] is not None]
            means.append(statistics.mean(values) if len(values) == len(rows) else None)
        means.append(sum(r[7] for r in rows))
        lines.append("| " + " | ".join(fmt(v) for v in means) + " |")
        accuracies = [r[1] for r in rows]
        lines.append("")
        lines.append(f"accuracy over the folds: min {min(accuracies):.3f}, max {max(accuracies):.3f}, "
                     f"standard deviation {statistics.stdev(accuracies):.3f}")
    return "\n".join(lines)


def pooled_confusion(fold_dirs, corpus="ravdess"):
    reports = [r for r in (load(d, corpus) for d in fold_dirs) if r is not None]
    labels = reports[0]["labels"]
    size = len(labels)
    total = [[0] * size for _ in range(size)]
    for r in reports:
        if r["labels"] != labels:
            raise SystemExit(f"folds disagree on the label order: {r['labels']} vs {labels}")
        for i in range(size):
            for j in range(size):
                total[i][j] += r["confusion"][i][j]
    clips = sum(map(sum, total))
    f1s = []
    for k in range(size):
        predicted = sum(total[i][k] for i in range(size))
        actual = sum(total[k])
        if actual == 0:
            continue  # a label the corpus does not have
        precision = total[k][k] / predicted if predicted else 0.0
        recall = total[k][k] / actual
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {"labels": labels, "confusion": total, "clips": clips,
            "accuracy": sum(total[k][k] for k in range(size)) / clips, "macro_f1": statistics.mean(f1s)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fold_dirs", nargs="+")
    ap.add_argument("--pooled-confusion", help="write RAVDESS's pooled confusion matrix (JSON for plots.py)")
    args = ap.parse_args()
    for corpus in ("ravdess", "ased", "nemo", "tess"):
        text = table(corpus, args.fold_dirs)
        if text:
            print(text)
            print()
    if args.pooled_confusion:
        with open(args.pooled_confusion, "w") as f:
            json.dump(pooled_confusion(args.fold_dirs), f, indent=1)


if __name__ == "__main__":
    main()
