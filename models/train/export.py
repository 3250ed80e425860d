#!/usr/bin/python3
"""Exports a trained checkpoint to what the Java service loads, and parity vectors for its tests.

    /usr/bin/python3 export.py --checkpoint OUT/model.pt [OUT2/model.pt ...] --version 1.0.0 \
        [--models-dir ../] [--parity-dir ../../src/test/resources/model]

With several checkpoints (trainings of the same network, e.g. other seeds) the graph is their
ensemble (model.EnsembleWrapper): the members' probabilities averaged at every step, their h and c
concatenated along the hidden axis (h0, c0 [layers, batch, members x hidden]), the normalisation
state shared. Same inputs and outputs, so the Java service runs it unchanged; it costs one member's
inference per member.

Writes <models-dir>/emotion-crnn.onnx (opset 17; inputs features [batch, time, feat] and the state
tensors h0, c0 [1, batch, hidden] (+ norm_sum0 [batch, feat], norm_count0 [batch, 1] with stream
normalisation); outputs probs [batch, time/frames_per_step, classes] and the new states hn, cn, ...)
and <models-dir>/emotion-crnn.json (model version, label order, frames per step, step duration,
tensor names and shapes, and the feature spec). The same JSON is embedded in the ONNX file's metadata
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

from model import LABELS, EnsembleWrapper, ExportWrapper, StreamingCRNN

HERE = Path(__file__).resolve().parent
ONNX_NAME = "emotion-crnn.onnx"
META_NAME = "emotion-crnn.json"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, nargs="+",
                    help="a trained model.pt; several: export their ensemble (averaged probabilities)")
    ap.add_argument("--version", required=True)
    ap.add_argument("--models-dir", help="default: models/ (the fast model's place)")
    ap.add_argument("--parity-dir", help="default: src/test/resources/model (the fast model's vectors)")
    args = ap.parse_args()

    if len(args.checkpoint) > 1 and (args.models_dir is None or args.parity_dir is None):
        # the defaults are the fast model's files: an ensemble must not overwrite them by accident
        ap.error("an ensemble (several --checkpoint) needs --models-dir and --parity-dir")
    args.models_dir = args.models_dir or str(HERE.parent)
    args.parity_dir = args.parity_dir or str(HERE.parents[1] / "src/test/resources/model")
    members, spec, holdout = [], None, None
    for path in args.checkpoint:
        ckpt = torch.load(path, map_location="cpu")
        member = StreamingCRNN(**ckpt["config"])
        member.load_state_dict(ckpt["state"])
        members.append(member.eval())
        if spec is not None and ckpt["feature_spec"] != spec:
            ap.error(f"{path} was trained on other features than {args.checkpoint[0]}")
        # every member must have been trained without the same speakers, or the held-out figures leak
        member_holdout = ckpt.get("args", {}).get("holdout", "")
        if holdout is not None and member_holdout != holdout:
            ap.error(f"{path} held out '{member_holdout}', {args.checkpoint[0]} '{holdout}': members must hold out the same speakers")
        spec, holdout = ckpt["feature_spec"], member_holdout
    model = members[0]
    wrapper = (ExportWrapper(model) if len(members) == 1 else EnsembleWrapper(members)).eval()
    stack = model.stack
    state_names = model.state_names()
    init = wrapper.initial_state(1)
    state_shapes = []
    for t in init:
        shape = list(t.shape)
        shape[1 if t.dim() == 3 else 0] = -1  # h, c are [layers, batch, hidden]; the others [batch, ...]
        state_shapes.append(shape)
    meta = {
        "model_version": args.version,
        "onnx_file": ONNX_NAME,
        "labels": LABELS,
        "frames_per_step": stack,
        "step_seconds": stack * spec["hop_length"] / spec["sample_rate"],
        "features_input": "features",
        "probabilities_output": "probs",
        "state": [{"input": i, "output": o, "shape": shp} for (i, o), shp in zip(state_names, state_shapes)],
        "parameters": sum(p.numel() for p in wrapper.parameters()),
        "feature_spec": spec,
    }
    if len(members) > 1:
        meta["members"] = len(members)
    models_dir = Path(args.models_dir)
    onnx_path = models_dir / ONNX_NAME
    x = torch.zeros(1, stack * 3, model.n_features)
    inputs = ["features"] + [i for i, _ in state_names]
    outputs = ["probs"] + [o for _, o in state_names]
    dynamic = {"features": {0: "batch", 1: "time"}, "probs": {0: "batch", 1: "steps"}}
    for (i, o), shp in zip(state_names, state_shapes):
        axis = shp.index(-1)
        dynamic[i] = {axis: "batch"}
        dynamic[o] = {axis: "batch"}
    torch.onnx.export(wrapper, (x, *init), str(onnx_path), opset_version=17,
                      input_names=inputs, output_names=outputs, dynamic_axes=dynamic)
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
        probs, *state = wrapper(torch.from_numpy(feats[:, :usable]), *wrapper.initial_state(2))
        if len(members) > 1:
            # The ensemble graph equals its members run one by one: averaged probabilities, and each
            # member's h and c in its slice (parity vectors made by the wrapper alone could not show a
            # slicing mistake, since the ONNX graph would carry the same one).
            n = len(members)
            for i, m in enumerate(members):
                p_i, h_i, c_i, *_ = ExportWrapper(m).eval()(torch.from_numpy(feats[:, :usable]), *m.initial_state(2))
                hidden = h_i.shape[2]
                assert torch.allclose(state[0][:, :, i * hidden:(i + 1) * hidden], h_i, atol=1e-6), f"member {i}: h"
                assert torch.allclose(state[1][:, :, i * hidden:(i + 1) * hidden], c_i, atol=1e-6), f"member {i}: c"
                probs_members = p_i if i == 0 else probs_members + p_i
            assert torch.allclose(probs, probs_members / n, atol=1e-6), "the ensemble's probabilities are the members' mean"
    parity = Path(args.parity_dir)
    parity.mkdir(parents=True, exist_ok=True)
    feats.astype("<f4").tofile(parity / "features.f32")
    probs.numpy().astype("<f4").tofile(parity / "probs.f32")
    state_files = {}
    for (_, name), tensor in zip(state_names, state):
        tensor.numpy().astype("<f4").tofile(parity / f"{name}.f32")
        state_files[name] = f"{name}.f32"
    (parity / "parity.json").write_text(json.dumps({
        "model_version": args.version, "streams": 2, "frames": frames, "features": model.n_features,
        "steps": usable // stack, "classes": len(LABELS),
        "files": {"features": "features.f32", "probs": "probs.f32"}, "state_files": state_files,
        "torch": torch.__version__}, indent=2) + "\n")
    print(f"wrote parity vectors to {parity}")


if __name__ == "__main__":
    main()
