#!/usr/bin/python3
"""Reference features for StreamingFeatureExtractorReferenceTest, from an independent implementation.

Run with Debian's interpreter (it has torch 1.13 / torchaudio 0.13):
    apt-get install python3-torch python3-torchaudio espeak-ng sox
    cd src/test/resources/features && /usr/bin/python3 make_reference.py

Writes, for each test signal, the signal as raw float32 little-endian (<name>.f32, 16 kHz mono) and
for each spec the reference frames (<name>.<spec>.f32, row-major [frames][features]), plus
reference.json describing shapes. The Java test reads only these files, so CI needs no Python.

The reference is torchaudio.transforms.MelSpectrogram (torch.stft + melscale_fbanks) computed in
float64, then ln(max(mel, log_floor)) and torchaudio.functional.create_dct(norm="ortho"). We avoid
transforms.MFCC because it clamps dB at (max - top_db) per call, which no streaming extractor can
reproduce.

Frame alignment: emostream's frame i covers samples [i*hop, i*hop+win) zero-padded to n_fft.
torch.stft(center=False) puts a win-sample window in the middle of an n_fft frame, i.e. covers
[i*hop + (n_fft-win)/2, ...). Padding the signal with (n_fft-win)/2 zeros on both sides makes the
two frame sequences identical (zero-padding position only changes the phase, not the power).
"""
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch
import torchaudio

HERE = Path(__file__).resolve().parent
SR = 16000


def chirp():
    t = np.arange(int(1.5 * SR)) / SR
    f0, f1, dur = 50.0, 7500.0, t[-1]
    k = np.log(f1 / f0) / dur
    phase = 2 * np.pi * f0 * (np.exp(k * t) - 1) / k
    return 0.5 * np.sin(phase)


def noise():
    rng = np.random.default_rng(20261122)
    x = 0.1 * rng.standard_normal(SR)
    x[6000:7600] = 0.0  # a stretch of digital silence exercises the log floor
    return x


def speech():
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        raw = Path(tmp) / "speech.f32"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav),
                        "Streaming features must not depend on how the audio is chunked."], check=True)
        subprocess.run(["sox", "-D", str(wav), "-t", "raw", "-e", "floating-point", "-b", "32", "-L",
                        str(raw), "gain", "-n", "-6", "rate", "-v", str(SR)], check=True)
        return np.fromfile(raw, dtype="<f4").astype(np.float64)


SIGNALS = {"chirp": chirp, "noise": noise, "speech": speech}

SPECS = {
    # The shipped spec (models/feature-spec.json: the model's features).
    "shipped": json.loads((HERE.parents[3] / "models" / "feature-spec.json").read_text()),
    # The same analysis with 40 MFCCs (orthonormal DCT-II of the 64 log-mel energies).
    "mfcc": {
        "version": 1, "sample_rate": 16000, "win_length": 400, "hop_length": 160, "n_fft": 512,
        "window": "hann_periodic", "power": 2.0, "n_mels": 64, "f_min": 20.0, "f_max": 7600.0,
        "mel_scale": "slaney", "mel_norm": "slaney", "log_floor": 1e-10, "n_mfcc": 40,
        "dct_norm": "ortho", "output": "mfcc",
    },
    # A variant exercising the other options: HTK mel scale, no filter norm, magnitude, symmetric
    # Hann, log-mel output.
    "variant": {
        "version": 1, "sample_rate": 16000, "win_length": 400, "hop_length": 160, "n_fft": 512,
        "window": "hann_symmetric", "power": 1.0, "n_mels": 40, "f_min": 0.0, "f_max": 8000.0,
        "mel_scale": "htk", "mel_norm": "none", "log_floor": 1e-6, "n_mfcc": 13,
        "dct_norm": "ortho", "output": "log_mel",
    },
}


def reference(x, spec):
    pad = (spec["n_fft"] - spec["win_length"]) // 2
    window_fn = {
        "hann_periodic": lambda n: torch.hann_window(n, periodic=True, dtype=torch.float64),
        "hann_symmetric": lambda n: torch.hann_window(n, periodic=False, dtype=torch.float64),
        "hamming_periodic": lambda n: torch.hamming_window(n, periodic=True, dtype=torch.float64),
    }[spec["window"]]
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=spec["sample_rate"], n_fft=spec["n_fft"], win_length=spec["win_length"],
        hop_length=spec["hop_length"], f_min=spec["f_min"], f_max=spec["f_max"], pad=0,
        n_mels=spec["n_mels"], window_fn=window_fn, power=spec["power"], normalized=False,
        center=False, norm=None if spec["mel_norm"] == "none" else spec["mel_norm"],
        mel_scale=spec["mel_scale"]).to(torch.float64)
    padded = torch.from_numpy(np.concatenate([np.zeros(pad), x, np.zeros(pad)]))
    m = mel(padded)  # [n_mels, frames]
    log_mel = torch.log(torch.clamp(m, min=spec["log_floor"])).T  # [frames, n_mels]
    if spec["output"] == "log_mel":
        return log_mel.numpy()
    dct = torchaudio.functional.create_dct(spec["n_mfcc"], spec["n_mels"], norm="ortho").to(torch.float64)
    return (log_mel @ dct).numpy()


def main():
    index = {"torch": torch.__version__, "torchaudio": torchaudio.__version__, "specs": {}, "signals": {}}
    for spec_name, spec in SPECS.items():
        (HERE / f"spec-{spec_name}.json").write_text(json.dumps(spec, indent=2) + "\n")
        index["specs"][spec_name] = f"spec-{spec_name}.json"
    for name, make in SIGNALS.items():
        x = make().astype(np.float32)  # the Java side sees exactly these float32 samples
        x.astype("<f4").tofile(HERE / f"{name}.f32")
        entry = {"file": f"{name}.f32", "samples": int(len(x)), "references": {}}
        for spec_name, spec in SPECS.items():
            ref = reference(x.astype(np.float64), spec)
            out = f"{name}.{spec_name}.f32"
            ref.astype("<f4").tofile(HERE / out)
            entry["references"][spec_name] = {"file": out, "frames": int(ref.shape[0]),
                                              "features": int(ref.shape[1])}
        index["signals"][name] = entry
    (HERE / "reference.json").write_text(json.dumps(index, indent=2) + "\n")
    print(json.dumps(index, indent=2))


if __name__ == "__main__":
    main()
