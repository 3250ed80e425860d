#!/usr/bin/python3
"""Packs a features directory (`emostream features` output: CORPUS/features.csv, feature-spec.json
and one .npy per clip) into a small form for copying to a training machine, and unpacks it there.

    pack_features.py pack FEATURES_DIR PACK_DIR      # one CORPUS.npz + CORPUS.csv + CORPUS-spec.json each
    pack_features.py unpack PACK_DIR FEATURES_DIR    # the same layout as FEATURES_DIR again (float32 .npy)

The features are quantised to 8 bits per value over each corpus's per-band range (log-mel energies
in ln units span ~28 ln units, so the largest error is ~0.055 ln units, ~0.24 dB): a quarter of the
float32 size. Why: the GPU machines lent to this project take at most 64 MiB per transfer, and the
speech-only features of all nine corpora are 668 MB as float32, ~170 MB quantised (~115 MB with xz).
The packs are derived from the corpora: like the features, they are never committed.
"""
import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

import numpy as np


def pack(src, dst):
    dst.mkdir(parents=True, exist_ok=True)
    for corpus_dir in sorted(p for p in src.iterdir() if (p / "features.csv").exists()):
        corpus = corpus_dir.name
        with open(corpus_dir / "features.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        arrays = [np.load(corpus_dir / r["features"]) for r in rows]
        if not arrays:
            print(f"{corpus}: no clips, skipped", flush=True)
            continue
        frames = np.concatenate(arrays)
        lo, hi = frames.min(0), frames.max(0)
        scale = np.where(hi > lo, (hi - lo) / 255.0, 1.0).astype(np.float32)
        q = np.round((frames - lo) / scale).astype(np.uint8)
        offsets = np.cumsum([0] + [len(a) for a in arrays])
        # stored as differences along time (mod 256): ~9% smaller under xz than the values themselves
        delta = np.diff(q, axis=0, prepend=np.zeros((1, q.shape[1]), np.uint8))
        np.savez(dst / f"{corpus}.npz", delta=delta, lo=lo.astype(np.float32), scale=scale, offsets=offsets)
        shutil.copy(corpus_dir / "features.csv", dst / f"{corpus}.csv")
        shutil.copy(corpus_dir / "feature-spec.json", dst / f"{corpus}-spec.json")
        err = np.abs(q * scale + lo - frames).max()
        print(f"{corpus}: {len(rows)} clips, {len(frames)} frames, max error {err:.4f}", flush=True)


def unpack(src, dst):
    for npz in sorted(src.glob("*.npz")):
        corpus = npz.stem
        out = dst / corpus
        out.mkdir(parents=True, exist_ok=True)
        packed = np.load(npz)
        lo, scale, offsets = packed["lo"], packed["scale"], packed["offsets"]
        q = np.cumsum(packed["delta"], axis=0, dtype=np.uint8)  # wraps mod 256, undoing the differences
        with open(src / f"{corpus}.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        if len(rows) != len(offsets) - 1:
            sys.exit(f"{npz}: {len(offsets) - 1} clips packed but {len(rows)} rows in {corpus}.csv")
        json.loads((src / f"{corpus}-spec.json").read_text())  # a missing or damaged spec fails before any write
        for r, a, b in zip(rows, offsets[:-1], offsets[1:]):
            np.save(out / r["features"], (q[a:b] * scale + lo).astype(np.float32))
        shutil.copy(src / f"{corpus}.csv", out / "features.csv")
        shutil.copy(src / f"{corpus}-spec.json", out / "feature-spec.json")
        print(f"{corpus}: {len(rows)} clips", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["pack", "unpack"])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    args = ap.parse_args()
    if not args.src.is_dir():
        sys.exit(f"{args.src} is not a directory")
    (pack if args.action == "pack" else unpack)(args.src, args.dst)


if __name__ == "__main__":
    main()
