#!/usr/bin/python3
"""Exports a trained checkpoint to what the Java service loads, and parity vectors for its tests.

    /usr/bin/python3 export.py --checkpoint OUT/model.pt --version 1.0.0 \
        [--models-dir ../] [--parity-dir ../../src/test/resources/model]

Writes <models-dir>/emotion-crnn.onnx (opset 17; inputs features [batch, time, feat], h0, c0
[1, batch, hidden]; outputs probs [batch, time/frames_per_step, classes], hn, cn) and
<models-dir>/emotion-crnn.json (model version, label order, frames per step, step duration, LSTM
size, tensor names and the feature spec). The same JSON is embedded in the ONNX file's metadata
(key "emostream.model"), so the .onnx alone says which features it needs.

Parity vectors: features for two streams (203 frames: 50 steps and 3 frames left over), the
PyTorch full-sequence outputs, for the Java test that runs the ONNX model chunk by chunk with
carried state and must match within 1e-4.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import torch

from model import LABELS, ExportWrapper, StreamingCRNN

HERE = Path(__file__).resolve().parent
ONNX_NAME = "emotion-crnn.onnx"
META_NAME = "emotion-crnn.json"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--models-dir", default=str(HERE.parent))
    ap.add_argument("--parity-dir", default=str(HERE.parents[1] / "src/test/resources/model"))
    args = ap.parse_args()

    ckpt = torch.load(args.checkpoint, map_location="cpu")
    model = StreamingCRNN(**ckpt["config"])
    model.load_state_dict(ckpt["state"])
    model.eval()
    spec = ckpt["feature_spec"]
    stack, hidden = model.stack, model.hidden
    meta = {
        "model_version": args.version,
        "onnx_file": ONNX_NAME,
        "labels": LABELS,
        "frames_per_step": stack,
        "step_seconds": stack * spec["hop_length"] / spec["sample_rate"],
        "lstm_layers": 1,
        "lstm_hidden": hidden,
        "inputs": {"features": "features", "h0": "h0", "c0": "c0"},
        "outputs": {"probabilities": "probs", "hn": "hn", "cn": "cn"},
        "parameters": sum(p.numel() for p in model.parameters()),
        "feature_spec": spec,
    }
    models_dir = Path(args.models_dir)
    onnx_path = models_dir / ONNX_NAME
    wrapper = ExportWrapper(model).eval()
    x = torch.zeros(1, stack * 3, model.n_features)
    h0, c0 = model.initial_state(1)
    torch.onnx.export(
        wrapper, (x, h0, c0), str(onnx_path), opset_version=17,
        input_names=["features", "h0", "c0"], output_names=["probs", "hn", "cn"],
        dynamic_axes={"features": {0: "batch", 1: "time"}, "h0": {1: "batch"}, "c0": {1: "batch"},
                      "probs": {0: "batch", 1: "steps"}, "hn": {1: "batch"}, "cn": {1: "batch"}})
    graph = onnx.load(str(onnx_path))
    entry = graph.metadata_props.add()
    entry.key, entry.value = "emostream.model", json.dumps(meta, sort_keys=True)
    graph.producer_name = "emostream/models/train/export.py"
    onnx.checker.check_model(graph)
    onnx.save(graph, str(onnx_path))
    (models_dir / META_NAME).write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB) and {models_dir / META_NAME}")

    # Parity vectors: realistic-range features (the model's own normalisation statistics).
    rng = np.random.default_rng(17)
    frames = 203
    mean, std = model.mean.numpy(), model.std.numpy()
    feats = (mean + std * rng.standard_normal((2, frames, model.n_features))).astype(np.float32)
    usable = frames // stack * stack
    with torch.no_grad():
        h0, c0 = model.initial_state(2)
        probs, hn, cn = wrapper(torch.from_numpy(feats[:, :usable]), h0, c0)
    parity = Path(args.parity_dir)
    parity.mkdir(parents=True, exist_ok=True)
    feats.astype("<f4").tofile(parity / "features.f32")
    probs.numpy().astype("<f4").tofile(parity / "probs.f32")
    hn.numpy().astype("<f4").tofile(parity / "hn.f32")
    cn.numpy().astype("<f4").tofile(parity / "cn.f32")
    (parity / "parity.json").write_text(json.dumps({
        "model_version": args.version, "streams": 2, "frames": frames, "features": model.n_features,
        "steps": usable // stack, "classes": len(LABELS), "hidden": hidden,
        "files": {"features": "features.f32", "probs": "probs.f32", "hn": "hn.f32", "cn": "cn.f32"},
        "torch": torch.__version__}, indent=2) + "\n")
    print(f"wrote parity vectors to {parity}")


if __name__ == "__main__":
    main()
