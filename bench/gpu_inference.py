#!/usr/bin/env python3
"""Batched streaming inference of the emotion CRNN on a GPU, against ONNX Runtime on the same machine's CPU.

    python3 bench/gpu_inference.py --checkpoint model.pt --onnx models/emotion-crnn.onnx [--out DIR]

What one call does is what the service's punctuator does: step B streams by S model steps (40 ms of
audio each), with every stream's recurrent state passed in and taken out. Two GPU variants:

* `host-state`: features and state start as host arrays and come back to the host, as they do in the
  service (state lives in the Kafka Streams store), so the figure includes both PCIe copies;
* `resident`: state stays on the GPU between calls (an upper bound for a GPU-resident state design).

The GPU runs the PyTorch network the ONNX file was exported from (models/train/model.py with the
checkpoint), checked against ONNX Runtime on the same inputs before timing (max |probability
difference| is printed). ONNX Runtime's CUDA provider is used instead when the installed onnxruntime
has it. Throughput is stream-seconds of audio per wall second: B * S * 0.04 / seconds per call.
Needs torch, onnxruntime and numpy; writes gpu_inference.json and prints a table.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models/train"))
from model import StreamingCRNN  # noqa: E402

STEP_SECONDS = 0.04


def timed(fn, min_seconds, min_calls=5, warmup=3):
    for _ in range(warmup):
        fn()
    calls, start = 0, time.perf_counter()
    while calls < min_calls or time.perf_counter() - start < min_seconds:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls


def environment():
    env = {"python": platform.python_version(), "torch": torch.__version__, "cpu_count": os.cpu_count()}
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        env["gpu"] = p.name
        env["gpu_memory_gib"] = round(p.total_memory / 2**30, 1)
        env["cuda"] = torch.version.cuda
    env["java"] = shutil.which("java")
    try:
        libs = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
        env["cuda12_libs"] = sorted({l.split()[0] for l in libs.splitlines() if ".so.12" in l and "cu" in l})
    except OSError:
        env["cuda12_libs"] = None
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--batches", default="1,16,256,1024,4096,16384,65536")
    ap.add_argument("--steps", default="1,3")
    ap.add_argument("--cpu-batches", default="1,16,256,1024,4096")
    ap.add_argument("--seconds", type=float, default=1.0, help="minimum timed seconds per case")
    ap.add_argument("--out", default=".")
    args = ap.parse_args()
    import onnxruntime as ort

    results = {"environment": environment(), "ort_version": ort.__version__,
               "ort_providers": ort.get_available_providers(), "cases": []}
    print(json.dumps(results, indent=1), flush=True)

    ckpt = torch.load(args.checkpoint, map_location="cpu")
    model = StreamingCRNN(**ckpt["config"])
    model.load_state_dict(ckpt["state"])
    model.eval()
    feats_dim, stack = model.n_features, model.stack
    rng = np.random.default_rng(3)
    mean, std = model.mean.numpy(), model.std.numpy()

    def inputs(batch, steps):
        x = (mean + std * rng.standard_normal((batch, steps * stack, feats_dim))).astype(np.float32)
        state = [t.numpy() for t in model.initial_state(batch)]
        return x, state

    names = [i.name for i in ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"]).get_inputs()]

    def ort_session(threads, provider):
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        return ort.InferenceSession(args.onnx, o, providers=[provider])

    # The network on the GPU must be the one in the ONNX file: compare on the same inputs first.
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    gpu_model = StreamingCRNN(**ckpt["config"])
    gpu_model.load_state_dict(ckpt["state"])
    gpu_model.eval().to(dev)
    torch.backends.cudnn.benchmark = True
    x, state = inputs(8, 50)
    ref = ort_session(os.cpu_count(), "CPUExecutionProvider").run(None, dict(zip(names, [x] + state)))
    with torch.inference_mode():
        out = gpu_model(torch.from_numpy(x).to(dev), *[torch.from_numpy(s).to(dev) for s in state])
    probs = torch.softmax(out[0], dim=-1).cpu().numpy()
    diff = float(np.abs(probs - ref[0]).max())
    results["gpu_vs_onnx_max_abs_prob_diff"] = diff
    print(f"GPU PyTorch vs ONNX Runtime CPU on 8 streams x 50 steps: max |prob diff| = {diff:.2e}", flush=True)

    rows = []

    def record(engine, variant, batch, steps, seconds):
        rate = batch * steps * STEP_SECONDS / seconds
        case = {"engine": engine, "variant": variant, "batch": batch, "steps": steps,
                "ms_per_call": round(seconds * 1e3, 4), "stream_seconds_per_second": round(rate, 1)}
        results["cases"].append(case)
        print(f"{engine:18s} {variant:11s} B={batch:6d} S={steps} {seconds * 1e3:9.3f} ms/call "
              f"{rate:12.1f} x real time", flush=True)

    for steps in [int(s) for s in args.steps.split(",")]:
        for batch in [int(b) for b in args.batches.split(",")]:
            x, state = inputs(batch, steps)
            if dev.type == "cuda":
                def host_state():
                    with torch.inference_mode():
                        o = gpu_model(torch.from_numpy(x).to(dev, non_blocking=False),
                                      *[torch.from_numpy(s).to(dev) for s in state])
                        p = torch.softmax(o[0], dim=-1)
                        return [p.cpu().numpy()] + [t.cpu().numpy() for t in o[1:]]
                record("torch-cuda", "host-state", batch, steps, timed(host_state, args.seconds))
                xd = torch.from_numpy(x).to(dev)
                sd = [torch.from_numpy(s).to(dev) for s in state]

                def resident():
                    nonlocal sd
                    with torch.inference_mode():
                        o = gpu_model(xd, *sd)
                        torch.softmax(o[0], dim=-1)
                        sd = list(o[1:])
                    torch.cuda.synchronize()
                record("torch-cuda", "resident", batch, steps, timed(resident, args.seconds))
            if "CUDAExecutionProvider" in results["ort_providers"]:
                s = ort_session(1, "CUDAExecutionProvider")
                feed = dict(zip(names, [x] + state))
                record("ort-cuda", "host-state", batch, steps, timed(lambda: s.run(None, feed), args.seconds))
        for batch in [int(b) for b in args.cpu_batches.split(",")]:
            x, state = inputs(batch, steps)
            feed = dict(zip(names, [x] + state))
            for threads in sorted({1, os.cpu_count()}):
                s = ort_session(threads, "CPUExecutionProvider")
                record(f"ort-cpu-{threads}t", "host-state", batch, steps,
                       timed(lambda: s.run(None, feed), args.seconds))

    out = Path(args.out) / "gpu_inference.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
