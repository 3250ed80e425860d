#!/usr/bin/python3
"""torchaudio's MFCC on the same audio and parameters as emostream's extractor, one thread.

    apt-get install python3-torch python3-torchaudio
    /usr/bin/python3 bench/torchaudio_mfcc.py [--seconds 600]

Prints x real time for (a) one call on the whole signal (the best case for torchaudio) and (b) one
call per 20 ms chunk with the window remainder carried, as a streaming user has to call it.
The computation is the reference of the Java tests (src/test/resources/features/make_reference.py):
MelSpectrogram(center=False) -> ln(max(mel, floor)) -> orthonormal DCT, in float32.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torchaudio

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--chunk-ms", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    spec = json.loads((ROOT / "models" / "feature-spec.json").read_text())
    sr = spec["sample_rate"]
    speech = np.fromfile(ROOT / "src/test/resources/features/speech.f32", dtype="<f4")
    n = int(args.seconds * sr)
    x = torch.from_numpy(np.resize(speech, n).astype(np.float32))

    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=sr, n_fft=spec["n_fft"], win_length=spec["win_length"], hop_length=spec["hop_length"],
        f_min=spec["f_min"], f_max=spec["f_max"], pad=0, n_mels=spec["n_mels"],
        window_fn=torch.hann_window, power=spec["power"], center=False,
        norm=None if spec["mel_norm"] == "none" else spec["mel_norm"], mel_scale=spec["mel_scale"])
    dct = torchaudio.functional.create_dct(spec["n_mfcc"], spec["n_mels"], norm="ortho")
    floor = spec["log_floor"]

    def mfcc(signal):
        return torch.log(torch.clamp(mel(signal), min=floor)).T @ dct

    pad = (spec["n_fft"] - spec["win_length"]) // 2
    chunk = sr * args.chunk_ms // 1000

    def whole_signal():
        return mfcc(torch.nn.functional.pad(x, (pad, pad))).shape[0]

    def chunked():
        frames = 0
        carry = torch.zeros(0)
        for start in range(0, n, chunk):
            buf = torch.cat([carry, x[start:start + chunk]])
            count = 0 if len(buf) < spec["win_length"] else 1 + (len(buf) - spec["win_length"]) // spec["hop_length"]
            if count:
                # torch.stft centres the window in an n_fft frame: pad as the reference script does
                used = buf[: (count - 1) * spec["hop_length"] + spec["win_length"]]
                frames += mfcc(torch.nn.functional.pad(used, (pad, pad))).shape[0]
                carry = buf[count * spec["hop_length"]:]
            else:
                carry = buf
        return frames

    def best_of(fn, runs):
        best, frames = float("inf"), 0
        for _ in range(runs):
            t0 = time.perf_counter()
            frames = fn()
            best = min(best, time.perf_counter() - t0)
        return best, frames

    with torch.inference_mode():
        mfcc(x[: sr * 5])  # warm-up
        whole_s, whole_frames = best_of(whole_signal, args.runs)
        chunked_s, frames = best_of(chunked, args.runs)

    print(f"torch {torch.__version__} torchaudio {torchaudio.__version__}, 1 thread, {args.seconds:.0f} s of audio")
    print(f"whole signal: {args.seconds / whole_s:,.0f}x real time ({whole_frames} frames), best of {args.runs}")
    print(f"{args.chunk_ms} ms chunks:   {args.seconds / chunked_s:,.0f}x real time ({frames} frames), best of {args.runs}")


if __name__ == "__main__":
    main()
