#!/usr/bin/python3
"""Trains the streaming CRNN on features written by `emostream features` (see README.md here).

    /usr/bin/python3 train.py --features-dir DIR --out-dir OUT [--holdout 'ravdess:01,02,03,04'] [--epochs N]

With --holdout, the named speakers are never seen in training and the script reports accuracy on
them at the end (speaker-independent evaluation). Without it, everything trains the model to ship.
"""
import argparse
import copy
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import data
from model import LABELS, StreamingCRNN

CHECKPOINTS_S = [0.5, 1.0, 2.0, 3.0]


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def feature_stats(clips):
    total = sum(len(c.features) for c in clips)
    s = np.zeros(clips[0].features.shape[1], dtype=np.float64)
    ss = np.zeros_like(s)
    for c in clips:
        s += c.features.sum(0)
        ss += (c.features.astype(np.float64) ** 2).sum(0)
    mean = s / total
    std = np.sqrt(np.maximum(ss / total - mean ** 2, 1e-8))
    return mean.astype(np.float32), std.astype(np.float32)


def sampling_weights(clips):
    """Balance corpora (weight ~ 1/sqrt(size)) and classes within each corpus."""
    by_corpus, by_class = {}, {}
    for c in clips:
        by_corpus[c.corpus] = by_corpus.get(c.corpus, 0) + 1
        by_class[(c.corpus, c.label)] = by_class.get((c.corpus, c.label), 0) + 1
    w = []
    for c in clips:
        n_classes = sum(1 for k in by_class if k[0] == c.corpus)
        w.append(math.sqrt(by_corpus[c.corpus]) / (n_classes * by_class[(c.corpus, c.label)]))
    w = np.array(w)
    return w / w.sum()


class WeightAverage:
    """A running average of a model's parameters and float buffers (BatchNorm's statistics too), kept
    beside the trained model: an exponential moving average after every step (`decay`), or a uniform
    average of the end-of-epoch weights from `start_epoch` on (stochastic weight averaging's average,
    under the recipe's own learning-rate schedule). The averaged copy is what gets evaluated/exported."""

    def __init__(self, model, decay=None, start_epoch=None):
        self.model = copy.deepcopy(model)
        self.decay, self.start_epoch, self.count = decay, start_epoch, 0
        for p in self.model.parameters():
            p.requires_grad_(False)

    def _pairs(self, model):
        mine = dict(self.model.state_dict())
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                yield mine[k], v
            else:
                mine[k].copy_(v)  # BatchNorm's num_batches_tracked

    @torch.no_grad()
    def after_step(self, model):
        if self.decay is not None:
            for mine, theirs in self._pairs(model):
                mine.mul_(self.decay).add_(theirs, alpha=1 - self.decay)

    @torch.no_grad()
    def after_epoch(self, model, epoch):
        if self.start_epoch is not None and epoch >= self.start_epoch:
            self.count += 1
            for mine, theirs in self._pairs(model):
                mine.add_(theirs - mine, alpha=1 / self.count)  # running mean; the first one copies


class Augmenter:
    """Feature-domain augmentation on log-mel energies (ln of power): gain is an additive shift,
    noise is added in the power domain, SpecAugment masks bands and spans. Only the first
    `spectral` columns are log-mel energies; the rest (voice-periodicity bands, when the spec has
    them) are ratios in [-1, 1] that gain leaves alone, added noise scales toward 0 by the frame's
    signal share (uncorrelated noise adds to the autocorrelation at lag 0 only), and a time mask
    sets to 0 (no periodicity)."""

    def __init__(self, clips, rng, spectral=None):
        self.clips = clips
        self.rng = rng
        self.spectral = spectral

    def __call__(self, x):
        rng = self.rng
        x = x.copy()
        s = x.shape[1] if self.spectral is None else self.spectral
        mel = x[:, :s]  # a view: the writes below go to x
        mel += rng.uniform(-2.0, 2.0)  # +-8.7 dB gain
        if rng.random() < 0.35:
            snr_db = rng.uniform(5, 30)
            if rng.random() < 0.5:  # babble: another clip's frames
                other = self.clips[rng.integers(len(self.clips))].features
                start = rng.integers(max(1, len(other) - len(x)))
                noise = np.resize(other[start:start + len(x), :s], mel.shape)
            else:  # stationary coloured noise
                tilt = rng.uniform(-0.05, 0.0) * np.arange(s)
                noise = np.log(rng.exponential(1.0, mel.shape)) + tilt
            shift = (np.log(np.mean(np.exp(mel))) - np.log(np.mean(np.exp(noise))) - snr_db / 10 * np.log(10))
            if s < x.shape[1]:
                signal = np.exp(mel).sum(1)
                x[:, s:] *= (signal / (signal + np.exp(noise + shift).sum(1)))[:, None]
            mel[:] = np.logaddexp(mel, noise + shift)
        for _ in range(2):  # SpecAugment
            w = rng.integers(0, 9)
            f0 = rng.integers(0, s - w)
            mel[:, f0:f0 + w] = mel.mean()
            w = rng.integers(0, min(20, max(1, len(x) // 8)))
            t0 = rng.integers(0, max(1, len(x) - w))
            mel[t0:t0 + w] = mel.mean()
            x[t0:t0 + w, s:] = 0.0
        return x


def make_batch(clips, indices, rng, augment, stack, masks, train, telephony_prob=0.0, telephony_rng=None,
               crop_prob=0.5, min_crop=100, speed_prob=0.0, speed_rng=None):
    feats, labels, lengths, label_masks, targets = [], [], [], [], []
    for i in indices:
        c = clips[i]
        x, variant = c.features, 0
        if train and telephony_prob > 0 and telephony_rng.random() < telephony_prob and c.telephony:
            # the same clip through a telephone line (mu-law or A-law, 50/50), before the crop and
            # the feature-domain augmentation; a separate generator, so the other draws are
            # those of the clean recipe
            k = int(telephony_rng.integers(len(c.telephony)))
            x, variant = c.telephony[k], 1 + k
        elif train and speed_prob > 0 and speed_rng.random() < speed_prob and c.speed:
            # the same clip played 0.9 or 1.1 times as fast (tempo and pitch; the Java resampler),
            # when it is not on the telephone line; its own generator, as above
            k = int(speed_rng.integers(len(c.speed)))
            x, variant = c.speed[k], 1 + len(c.telephony) + k
        if train and rng.random() < crop_prob:
            # crops that start at the onset and grow toward the full clip
            n = int(rng.integers(min(len(x), min_crop), len(x) + 1))
            x = x[:n]
        if augment is not None:
            x = augment(x)
        feats.append(x)
        labels.append(c.label)
        lengths.append(len(x) // stack)
        label_masks.append(masks[c.corpus])
        if c.teacher:
            # the model is causal, so a crop's targets are the whole clip's first steps
            targets.append(c.teacher[variant][:len(x) // stack])
    t = max(max(lengths), 1) * stack
    batch = np.zeros((len(feats), t, feats[0].shape[1]), dtype=np.float32)
    for j, x in enumerate(feats):
        n = min(len(x), t)
        batch[j, :n] = x[:n]
        # Repeat the last frame. The LSTM and the running normalisation are causal, so padding never
        # reaches a counted step through them; BatchNorm's batch statistics do see padded steps
        # (about 15% of steps) with --bn-steps all, the flaw of the 0.1.0-0.3.0 recipes.
        batch[j, n:] = x[-1] if n else 0
    out = (torch.from_numpy(batch), torch.tensor(labels), torch.tensor(lengths),
           torch.from_numpy(np.stack(label_masks)))
    if not targets:
        return out
    teacher = np.zeros((len(feats), t // stack, targets[0].shape[1]), dtype=np.float32)
    for j, p in enumerate(targets):
        teacher[j, :len(p)] = p  # steps past the clip's end are not counted
    return out + (torch.from_numpy(teacher),)


def step_loss(logits, labels, lengths, label_masks, smoothing):
    """Cross-entropy at every valid step, over the clip's corpus labels only; label smoothing
    spreads its mass over those labels too."""
    b, s, k = logits.shape
    allowed = label_masks[:, None, :].expand(b, s, k)
    logp = torch.log_softmax(logits.masked_fill(~allowed, -1e4), -1).masked_fill(~allowed, 0.0)
    n_allowed = label_masks.sum(-1, keepdim=True).float()                    # [B, 1]
    target = label_masks.float() * (smoothing / n_allowed)                   # [B, K]
    target = target + F.one_hot(labels, k).float() * (1 - smoothing)
    loss = -(logp * target[:, None, :]).sum(-1)                              # [B, S]
    valid = torch.arange(s, device=logits.device)[None, :] < lengths[:, None]
    return (loss * valid).sum() / valid.sum().clamp(min=1)


def distill_loss(logits, teacher_probs, lengths, label_masks, temperature):
    """KL(teacher || student) at every valid step, both softened by `temperature` and restricted to
    the clip's corpus labels (as the cross-entropy is), times temperature^2 so its gradients keep
    the cross-entropy's scale (Hinton et al., 2015)."""
    b, s, k = logits.shape
    allowed = label_masks[:, None, :].expand(b, s, k)
    logq = torch.log_softmax(logits.masked_fill(~allowed, -1e4) / temperature, -1)
    logp = torch.log(teacher_probs.clamp(min=1e-12))
    kl = (teacher_probs * (logp - logq)).masked_fill(~allowed, 0.0).sum(-1)   # [B, S]
    valid = torch.arange(s, device=logits.device)[None, :] < lengths[:, None]
    return temperature ** 2 * (kl * valid).sum() / valid.sum().clamp(min=1)


def warn_if_reference_blas():
    """Debian's torch does its matrix products with whatever libblas.so.3 points to. Without OpenBLAS
    that is the reference BLAS (Debian's .../blas/libblas.so.3), about 12x slower here (3.7 against
    46 GFLOP/s on one thread) and about 5x slower per training step: hours instead of the recipe's
    41 minutes. Says so at once. By the library loaded (from /proc/self/maps, Linux), not by a timing,
    which other work on the machine would skew."""
    torch.ones(8, 8) @ torch.ones(8, 8)  # the BLAS is loaded by now
    try:
        libs = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if "/" in line}
    except OSError:
        return
    if any("/blas/libblas.so" in lib for lib in libs):  # e.g. /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0
        print("WARNING: torch is using the reference BLAS, which makes training about 5x slower; "
              "install OpenBLAS (apt-get install libopenblas0-pthread)", file=sys.stderr, flush=True)


def apc_loss(head, lstm_out, features, model, lengths, shift):
    """Autoregressive predictive coding (Chung et al., 2019) as an auxiliary loss: from the LSTM's
    output at step t, a linear head predicts the normalised features of step t + shift (its
    `stack` frames), L1 over the steps whose target lies inside the clip. It asks the recurrent
    state to carry what comes next in the voice, not only the label: a regulariser learnt from
    the audio itself. The head is not part of the model (nor of the ONNX graph)."""
    b, s, _ = lstm_out.shape
    if s <= shift:
        return lstm_out.sum() * 0.0
    target = ((features[:, :s * model.stack] - model.mean) / model.std).reshape(b, s, -1)
    pred = head(lstm_out[:, :s - shift])
    err = (pred - target[:, shift:]).abs().mean(-1)                          # [B, S - shift]
    valid = torch.arange(s - shift, device=lstm_out.device)[None, :] + shift < lengths[:, None]
    return (err * valid).sum() / valid.sum().clamp(min=1)


def load_teacher(path, holdout, device):
    """A trained model.pt in eval mode; refused unless it was trained with the same --holdout (a
    teacher that heard the held-out speakers would leak them into the student)."""
    ckpt = torch.load(path, map_location="cpu")
    if ckpt["args"].get("holdout", "") != holdout:
        sys.exit(f"teacher {path} was trained with --holdout '{ckpt['args'].get('holdout', '')}', not '{holdout}'")
    model = StreamingCRNN(**ckpt["config"])
    model.load_state_dict(ckpt["state"])
    for p in model.parameters():
        p.requires_grad_(False)
    return model.to(device).eval()


def attach_teacher_targets(teachers, clips, masks, temperature, device, batch):
    """Sets clip.teacher: the teachers' mean softened distribution at every step over the clip's
    corpus labels, for every version of its features (clean, telephone, speed). Computed once, on
    the features before the feature-domain augmentation (noise, gain, masks): the student learns
    to give, from augmented audio, what the teachers give from the clean one. Eval mode: no
    dropout, BatchNorm's running statistics."""
    variants = [(c, v) for c in clips for v in c.variants()]
    feats = [v for _, v in variants]
    total = None
    for t in teachers:
        logits = step_logits(t, feats, t.stack, device, batch)
        probs = []
        for (c, _), lg in zip(variants, logits):
            if lg is None:
                probs.append(np.zeros((0, len(LABELS)), dtype=np.float32))
                continue
            lg = torch.from_numpy(np.where(masks[c.corpus], lg, -1e4).astype(np.float32))
            probs.append(torch.softmax(lg / temperature, -1).numpy())
        total = probs if total is None else [a + b for a, b in zip(total, probs)]
    k = 0
    for c in clips:
        n = len(c.variants())
        c.teacher = tuple((p / len(teachers)).astype(np.float32) for p in total[k:k + n])
        k += n


def last_step_by(seconds, spec, stack):
    """Index of the last step complete after `seconds` of audio (-1: none), as the Java eval counts."""
    samples = int(seconds * spec["sample_rate"] + 1e-9)
    frames = 0 if samples < spec["win_length"] else 1 + (samples - spec["win_length"]) // spec["hop_length"]
    return frames // stack - 1


@torch.no_grad()
def step_logits(model, feats, stack, device, batch):
    """Per feature array (in order; None for one shorter than one step), logits at every step. batch
    > 1 runs arrays of similar length together, padded by repeating their last frame: every layer is
    causal in time and BatchNorm uses its running statistics here (the caller sets eval mode), so the
    valid steps get the same values up to float rounding (batch 1 is the 0.1.0/0.2.0 evaluation exactly)."""
    out = [None] * len(feats)
    steps = [len(f) // stack for f in feats]
    order = sorted((i for i in range(len(feats)) if steps[i] > 0), key=lambda i: steps[i])
    for k in range(0, len(order), batch):
        idx = order[k:k + batch]
        t = max(steps[i] for i in idx) * stack
        x = np.empty((len(idx), t, feats[idx[0]].shape[1]), dtype=np.float32)
        for j, i in enumerate(idx):
            n = steps[i] * stack
            x[j, :n] = feats[i][:n]
            x[j, n:] = feats[i][n - 1]
        state = [s.to(device) for s in model.initial_state(len(idx))]
        logits = model(torch.from_numpy(x).to(device), *state)[0].cpu().numpy()
        for j, i in enumerate(idx):
            out[i] = logits[j, :steps[i]]
    return out


def clip_probabilities(model, clips, stack, device, batch):
    """Per clip (in order; None for a clip shorter than one step), softmax at every step."""
    out = []
    for lg in step_logits(model, [c.features for c in clips], stack, device, batch):
        out.append(None if lg is None else torch.softmax(torch.from_numpy(lg), -1).numpy())
    return out


def evaluate(model, clips, stack, masks, restrict_to_corpus_labels, spec, device="cpu", batch=1):
    """Clip-level decisions at checkpoints (seconds of audio) and at the end of each clip."""
    model.eval()
    results = []
    with torch.no_grad():
        probs = clip_probabilities(model, clips, stack, device, batch)
        for c, p in zip(clips, probs):
            if p is None:
                continue
            steps = len(p)
            if restrict_to_corpus_labels:
                p = p * masks[c.corpus]
            row = {"corpus": c.corpus, "speaker": c.speaker, "label": c.label, "end": int(p[-1].argmax()),
                   "probs_end": p[-1].tolist(), "file": c.file}
            for t in CHECKPOINTS_S:
                i = min(last_step_by(t, spec, stack), steps - 1)
                row[f"at_{t}"] = int(p[i].argmax()) if i >= 0 else -1  # no decision yet: wrong
            results.append(row)
    return results


def summarise(results):
    out = {"n": len(results)}
    if not results:
        return out
    y = np.array([r["label"] for r in results])
    pred = np.array([r["end"] for r in results])
    out["accuracy"] = float((y == pred).mean())
    f1s = []
    for k in sorted(set(y.tolist())):
        tp = ((pred == k) & (y == k)).sum()
        p = tp / max((pred == k).sum(), 1)
        r = tp / max((y == k).sum(), 1)
        f1s.append(0 if p + r == 0 else 2 * p * r / (p + r))
    out["macro_f1"] = float(np.mean(f1s))
    for t in CHECKPOINTS_S:
        out[f"accuracy_at_{t}s"] = float((np.array([r[f"at_{t}"] for r in results]) == y).mean())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--holdout", default="", help="speakers never trained on, e.g. 'ravdess:01,02;nemo:EB0'")
    ap.add_argument("--epochs", type=int, default=40,
                    help="default 40 (0.4.0); 0.3.0 and 0.3.1 had 32, 0.1.0 and 0.2.0 24")
    ap.add_argument("--clips-per-epoch", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--no-stream-norm", dest="stream_norm", action="store_false",
                    help="global normalisation only (default: also the running per-stream mean)")
    ap.add_argument("--hidden", type=int, default=192, help="LSTM size")
    ap.add_argument("--lstm-layers", type=int, default=1, help="stacked LSTM layers (0.3.0: 1)")
    ap.add_argument("--context-steps", type=int, default=0,
                    help="steps before each step that its convolutions also see (0.4.0: 0); carried as state")
    ap.add_argument("--bn-steps", choices=["valid", "all"], default="valid",
                    help="BatchNorm batch statistics over the clips' valid steps (default, 0.3.1) or over every "
                         "step, padding included (all: 0.3.0 and before)")
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--weight-decay", type=float, default=1e-2)
    ap.add_argument("--pct-start", type=float, default=0.15, help="one-cycle warm-up fraction")
    ap.add_argument("--crop-prob", type=float, default=0.5, help="probability of an onset crop of a training clip")
    ap.add_argument("--min-crop", type=int, default=100, help="shortest onset crop, in frames")
    ap.add_argument("--corpus-weight", default="",
                    help="extra sampling weight per corpus, e.g. 'ravdess=2' (default: none, sqrt(size) balance)")
    ap.add_argument("--device", default="cpu",
                    help="torch device, e.g. cuda (default cpu: the shipped recipe; other devices give other "
                         "random draws inside torch, e.g. dropout, so not the same weights)")
    ap.add_argument("--eval-every", type=int, default=8,
                    help="held-out figures every N epochs (0: last only; 0.2.0 used 5)")
    ap.add_argument("--eval-batch", type=int, default=64,
                    help="held-out clips run together (1: one at a time, as 0.2.0 did; equal up to rounding)")
    ap.add_argument("--telephony-prob", type=float, default=0.3,
                    help="training only: probability of replacing a clip's features by its telephony copy "
                         "(mu-law or A-law, 50/50; written by prepare.sh to FEATURES_DIR-mulaw and "
                         "FEATURES_DIR-alaw). Default 0.3 (model 0.2.0); 0: the clean recipe of 0.1.0, nothing else loaded")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="also keep an exponential moving average of the weights with this decay per step "
                         "(e.g. 0.999); evaluated beside the trained weights. 0: off")
    ap.add_argument("--swa-from", type=int, default=0,
                    help="also keep the uniform average of the end-of-epoch weights from this epoch on "
                         "(1-based); evaluated beside the trained weights. 0: off")
    ap.add_argument("--export-weights", choices=["trained", "ema", "swa"], default="trained",
                    help="which weights model.pt holds (the others go to model-<name>.pt)")
    ap.add_argument("--speed-prob", type=float, default=0.0,
                    help="training only: probability of replacing a clip that is not on the telephone line by a "
                         "speed-perturbed copy (0.9x or 1.1x, 50/50; prepare.sh with SPEED=1 writes them to "
                         "FEATURES_DIR-speed0.9 and -speed1.1). Default 0 (0.3.0 and before)")
    ap.add_argument("--teacher", default="",
                    help="comma-separated model.pt files trained on the same split (never on the held-out "
                         "speakers): the student also learns their mean per-step distribution (distillation)")
    ap.add_argument("--distill-weight", type=float, default=0.5,
                    help="with --teacher: the distillation term's share of the loss (the cross-entropy gets the rest)")
    ap.add_argument("--distill-temp", type=float, default=2.0, help="with --teacher: softmax temperature")
    ap.add_argument("--apc-weight", type=float, default=0.0,
                    help="weight of the predictive auxiliary loss (0: off, the shipped recipe): the LSTM output "
                         "also predicts the features --apc-shift steps ahead")
    ap.add_argument("--apc-shift", type=int, default=2, help="with --apc-weight: steps (40 ms each) ahead")
    args = ap.parse_args()
    if not 0.0 <= args.distill_weight <= 1.0:
        ap.error("--distill-weight must be in [0, 1]")
    if args.distill_temp <= 0:
        ap.error("--distill-temp must be positive")
    if args.apc_weight < 0:
        ap.error("--apc-weight must be 0 (off) or more")
    if args.apc_shift < 1:
        ap.error("--apc-shift must be 1 or more (0 would predict frames the LSTM has already seen)")
    if args.context_steps < 0:
        ap.error("--context-steps must be 0 or more")
    if not 0.0 <= args.speed_prob <= 1.0:
        ap.error("--speed-prob must be in [0, 1]")
    if not 0.0 <= args.telephony_prob <= 1.0:
        ap.error("--telephony-prob must be in [0, 1]")
    if not 0.0 <= args.ema < 1.0:
        ap.error("--ema must be in [0, 1)")
    if not 0 <= args.swa_from <= args.epochs:
        ap.error("--swa-from must be an epoch in [1, --epochs], or 0 for off")
    if args.export_weights == "ema" and not args.ema or args.export_weights == "swa" and not args.swa_from:
        ap.error(f"--export-weights {args.export_weights} needs --{'ema' if args.export_weights == 'ema' else 'swa-from'}")

    seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    if args.device == "cpu":
        warn_if_reference_blas()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    clips = data.load(args.features_dir)
    masks = data.corpus_label_masks(clips)
    spec = data.feature_spec(args.features_dir)
    train, test = data.split(clips, data.parse_holdout(args.holdout))
    if args.telephony_prob > 0:
        dirs = data.telephony_dirs(args.features_dir)
        # training clips only: evaluation stays on clean features; speech-only features (VAD) may
        # lack a copy where the VAD found no speech through the telephone line
        data.attach_telephony(train, dirs, allow_missing=Path(args.features_dir).name.startswith("features-vad"))
        print(f"telephony copies from {', '.join(map(str, dirs))} (p={args.telephony_prob})", flush=True)
    if args.speed_prob > 0:
        dirs = data.speed_dirs(args.features_dir)
        data.attach_telephony(train, dirs, allow_missing=Path(args.features_dir).name.startswith("features-vad"),
                              attr="speed")
        print(f"speed copies from {', '.join(map(str, dirs))} (p={args.speed_prob})", flush=True)
    print(f"{len(train)} training clips, {len(test)} held-out clips ({time.time() - t0:.0f} s to load)", flush=True)

    device = torch.device(args.device)
    model = StreamingCRNN(n_features=train[0].features.shape[1], stream_norm=args.stream_norm,
                          hidden=args.hidden, dropout=args.dropout, lstm_layers=args.lstm_layers,
                          context_steps=args.context_steps)
    mean, std = feature_stats(train)
    model.mean.copy_(torch.from_numpy(mean))
    model.std.copy_(torch.from_numpy(std))
    model.to(device)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    teachers = [load_teacher(t, args.holdout, device) for t in args.teacher.split(",") if t]
    if teachers:
        t1 = time.time()
        attach_teacher_targets(teachers, train, masks, args.distill_temp, device, args.eval_batch)
        print(f"distilling {len(teachers)} teacher(s), weight {args.distill_weight}, T={args.distill_temp} "
              f"({time.time() - t1:.0f} s for their targets)", flush=True)
        del teachers

    rng = np.random.default_rng(args.seed)
    telephony_rng = np.random.default_rng([args.seed, 1]) if args.telephony_prob > 0 else None
    speed_rng = np.random.default_rng([args.seed, 2]) if args.speed_prob > 0 else None
    augment = Augmenter(train, rng, data.spectral_columns(spec))
    weights = sampling_weights(train)
    if args.corpus_weight:
        extra = {k: float(v) for k, v in (part.split("=") for part in args.corpus_weight.split(","))}
        weights = weights * np.array([extra.get(c.corpus, 1.0) for c in train])
        weights = weights / weights.sum()
    params = list(model.parameters())
    apc_head = None
    if args.apc_weight > 0:
        apc_head = torch.nn.Linear(args.hidden, model.stack * model.n_features).to(device)
        params += list(apc_head.parameters())
        print(f"predictive auxiliary loss: weight {args.apc_weight}, {args.apc_shift} steps ahead", flush=True)
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay,
                            **({"fused": True} if device.type == "cuda" else {}))  # one kernel on a GPU
    steps_per_epoch = args.clips_per_epoch // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=args.pct_start)
    averages = {}  # name -> WeightAverage, evaluated beside the trained weights
    if args.ema:
        averages["ema"] = WeightAverage(model, decay=args.ema)
    if args.swa_from:
        averages["swa"] = WeightAverage(model, start_epoch=args.swa_from)
    history = []
    for epoch in range(args.epochs):
        model.train()
        order = rng.choice(len(train), size=steps_per_epoch * args.batch, p=weights)
        # bucket by length inside windows of 50 batches: less padding, still shuffled
        window = args.batch * 50
        order = np.concatenate([w[np.argsort([len(train[i].features) for i in w])]
                                for w in np.array_split(order, max(1, len(order) // window))])
        batches = order.reshape(steps_per_epoch, args.batch)
        rng.shuffle(batches)
        total, seen, start = 0.0, 0, time.time()
        for bi, idx in enumerate(batches):
            x, y, lengths, lmask, *target = make_batch(train, idx, rng, augment, model.stack, masks, True,
                                                        args.telephony_prob, telephony_rng, args.crop_prob,
                                                        args.min_crop, args.speed_prob, speed_rng)
            if device.type != "cpu":
                x, y, lengths, lmask, *target = (t.to(device, non_blocking=True) for t in (x, y, lengths, lmask, *target))
            outputs = model(x, *(s.to(device) for s in model.initial_state(len(idx))),
                            lengths=lengths if args.bn_steps == "valid" else None, with_lstm_output=apc_head is not None)
            logits = outputs[0]
            loss = step_loss(logits, y, lengths, lmask, args.smoothing)
            if target:
                loss = ((1 - args.distill_weight) * loss
                        + args.distill_weight * distill_loss(logits, target[0], lengths, lmask, args.distill_temp))
            if apc_head is not None:  # beside the label terms, whatever their mix
                loss = loss + args.apc_weight * apc_loss(apc_head, outputs[-1], x, model, lengths, args.apc_shift)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            for a in averages.values():
                a.after_step(model)
            total += loss.item() * len(idx)
            seen += len(idx)
            if sys.stderr.isatty():
                print(f"\repoch {epoch + 1}/{args.epochs} [{'#' * (30 * (bi + 1) // steps_per_epoch):30s}] "
                      f"loss {total / seen:.3f}", end="", file=sys.stderr, flush=True)
        for a in averages.values():
            a.after_epoch(model, epoch + 1)
        entry = {"epoch": epoch + 1, "loss": total / seen, "seconds": time.time() - start}
        if test and ((args.eval_every and (epoch + 1) % args.eval_every == 0) or epoch + 1 == args.epochs):
            for name, m in [("", model)] + [("_" + k, a.model) for k, a in averages.items() if a.decay or a.count]:
                res = evaluate(m, test, m.stack, masks, False, spec, device, args.eval_batch)
                entry["heldout" + name] = summarise(res)
                if any(r["corpus"] == "ravdess" for r in res):  # the 8-label set, the figure
                    entry["heldout_ravdess" + name] = summarise([r for r in res if r["corpus"] == "ravdess"])
        history.append(entry)
        print(("\r" if sys.stderr.isatty() else "") + json.dumps(entry), flush=True)

    weights = {"trained": model, **{k: a.model for k, a in averages.items()}}
    for name, m in weights.items():
        file = "model.pt" if name == args.export_weights else f"model-{name}.pt"
        torch.save({"state": {k: v.cpu() for k, v in m.state_dict().items()}, "config": m.config,
                    "args": vars(args), "weights": name, "feature_spec": spec}, out / file)
    (out / "history.json").write_text(json.dumps(history, indent=1))
    if test:
        for name, m in weights.items():
            # heldout*.json describe model.pt; the other weights' figures get their name as a suffix
            suffix = "" if name == args.export_weights else f"-{name}"
            per_corpus = {}
            for corpus in sorted({c.corpus for c in test}):
                sub = [c for c in test if c.corpus == corpus]
                res = evaluate(m, sub, m.stack, masks, corpus != "ravdess", spec, device, args.eval_batch)
                per_corpus[corpus] = summarise(res)
                (out / f"heldout-{corpus}{suffix}.json").write_text(json.dumps(res))
            (out / f"heldout{suffix}.json").write_text(json.dumps(per_corpus, indent=1))
            print(f"held out, {name} weights:", json.dumps(per_corpus, indent=1))
    print(f"done in {(time.time() - t0) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
