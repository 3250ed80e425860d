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
    telephony: tuple = ()  # the same clip's features through a telephone line (attach_telephony)
    speed: tuple = ()  # the same clip's features played faster or slower (attach_telephony(..., attr="speed"))
    teacher: tuple = ()  # distillation targets [steps, labels] for (features, *telephony, *speed), in that order

    def variants(self):
        """Every version of the clip's features, in the order of `teacher`."""
        return (self.features,) + tuple(self.telephony) + tuple(self.speed)


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


def telephony_dirs(features_dir, codecs=("mulaw", "alaw")):
    """Where prepare.sh writes the telephony copies: beside DIR, as DIR-mulaw and DIR-alaw."""
    base = Path(features_dir).resolve()
    return [base.parent / f"{base.name}-{codec}" for codec in codecs]


def speed_dirs(features_dir, speeds=("0.9", "1.1")):
    """Where prepare.sh (SPEED=1) writes the speed-perturbed copies: beside DIR, as DIR-speed0.9 and DIR-speed1.1."""
    base = Path(features_dir).resolve()
    return [base.parent / f"{base.name}-speed{s}" for s in speeds]


def attach_telephony(clips, dirs, allow_missing=False, attr="telephony"):
    """Loads, for every clip, its copy from each of `dirs` (same corpus layout and manifest as the
    clean features, matched by the `file` row) into clip.<attr> (telephony or speed), in the order
    of `dirs`. With allow_missing (speech-only features: the VAD may find no speech in a copy), a
    clip keeps the copies it has, possibly none."""
    by_key = {(c.corpus, c.file): c for c in clips}
    copies = {key: [None] * len(dirs) for key in by_key}
    for d, directory in enumerate(dirs):
        for corpus in sorted({c.corpus for c in clips}):
            index = Path(directory) / corpus / "features.csv"
            if not index.exists():
                raise SystemExit(f"{index} is missing: run prepare.sh (it writes the {attr} features"
                                 + (", with SPEED=1)" if attr == "speed" else ")"))
            with open(index, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if (corpus, row["file"]) in copies:
                        copies[(corpus, row["file"])][d] = np.load(index.parent / row["features"])
    missing = [key for key, v in copies.items() if any(x is None for x in v)]
    if missing and not allow_missing:
        raise SystemExit(f"{len(missing)} clips have no {attr} features, e.g. {missing[0]}")
    if missing:
        print(f"{len(missing)} clips lack a {attr} copy (no speech found in it): they train on clean features",
              flush=True)
    for key, clip in by_key.items():
        present = [x for x in copies[key] if x is not None]
        for x in present:
            if x.shape[1] != clip.features.shape[1]:
                raise SystemExit(f"{key}: {attr} features have {x.shape[1]} dims, clean {clip.features.shape[1]}")
        setattr(clip, attr, tuple(present))


def feature_spec(features_dir, corpora=CORPORA):
    """The spec the features were computed with (`emostream features` writes a copy beside them);
    every corpus must have used the same one."""
    specs = {c: json.loads((Path(features_dir) / c / "feature-spec.json").read_text()) for c in corpora}
    first = next(iter(specs.values()))
    for corpus, spec in specs.items():
        if spec != first:
            raise SystemExit(f"{corpus} features were computed with a different feature spec")
    return first


def spectral_columns(spec):
    """How many leading feature columns are log-mel (or cepstral) values; voice-periodicity bands,
    when the spec has them, follow."""
    return spec["n_mfcc"] if spec["output"] == "mfcc" else spec["n_mels"]


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
