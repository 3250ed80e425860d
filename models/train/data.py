"""Loading the feature arrays that `emostream features` wrote, and speaker-independent splits."""
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import LABELS

CORPORA = ["ravdess", "tess", "emodb", "nemo", "ased", "turev", "baved", "urdu", "emotiontts_ko"]


@dataclass
class Clip:
    corpus: str
    speaker: str
    label: int
    features: np.ndarray  # [frames, n_features] float32
    file: str


def load(features_dir, corpora=CORPORA):
    clips = []
    for corpus in corpora:
        index = Path(features_dir) / corpus / "features.csv"
        if not index.exists():
            raise SystemExit(f"{index} is missing: run `emostream features` for {corpus} first (see README.md)")
        with open(index, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["emotion"] not in LABELS:
                    continue
                feats = np.load(index.parent / row["features"])
                clips.append(Clip(corpus, row["speaker"], LABELS.index(row["emotion"]), feats, row["file"]))
    return clips


def feature_spec(features_dir, corpora=CORPORA):
    """The spec the features were computed with (`emostream features` writes a copy beside them);
    every corpus must have used the same one."""
    specs = {c: json.loads((Path(features_dir) / c / "feature-spec.json").read_text()) for c in corpora}
    first = next(iter(specs.values()))
    for corpus, spec in specs.items():
        if spec != first:
            raise SystemExit(f"{corpus} features were computed with a different feature spec")
    return first


def corpus_label_masks(clips):
    """Which labels each corpus uses: the loss of its clips is restricted to these, so the model
    never learns that "a Polish speaker is never calm"."""
    masks = {}
    for c in clips:
        masks.setdefault(c.corpus, np.zeros(len(LABELS), dtype=bool))[c.label] = True
    return masks


def parse_holdout(text):
    """'ravdess:01,02;nemo:EB0' -> {'ravdess': {'01', '02'}, 'nemo': {'EB0'}}; '' -> {}."""
    held = {}
    for part in filter(None, (text or "").split(";")):
        corpus, speakers = part.split(":")
        held.setdefault(corpus, set()).update(s.strip() for s in speakers.split(","))
    return held


def split(clips, holdout):
    train = [c for c in clips if c.speaker not in holdout.get(c.corpus, ())]
    test = [c for c in clips if c.speaker in holdout.get(c.corpus, ())]
    return train, test
