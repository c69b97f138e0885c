#!/usr/bin/env python3
"""Exports DeiT-Small and DeiT-Base shaped Vision Transformers (224x224, patch 16, 12 blocks, MLP ratio 4) with random
weights, for speed and memory benchmarks only. They are large (88 MB and 346 MB) and carry no trained weights, so they
are made here and never committed.

    /usr/bin/python3 models/scripts/make_deit.py target/deit            # both
    /usr/bin/python3 models/scripts/make_deit.py target/deit small      # one

Uses the same module code as the fmnist-vit reference model (models/fmnist-vit/train.py), so the ONNX graph has the
same export pattern: MatMul + Add Linears, erf GELU, opset 17, dynamic batch axis.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fmnist-vit"))
from train import VisionTransformer  # noqa: E402

SHAPES = {"small": dict(dim=384, heads=6), "base": dict(dim=768, heads=12)}


def export(name, out):
    torch.manual_seed(0)
    model = VisionTransformer(img=224, patch=16, depth=12, mlp_ratio=4, classes=1000, chans=3, **SHAPES[name]).eval()
    folder = os.path.join(out, f"deit-{name}")
    os.makedirs(folder, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), os.path.join(folder, "model.onnx"), opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    card = {"name": f"deit-{name}-random", "input": {
        "name": "input", "layout": "NCHW", "shape": [-1, 3, 224, 224], "color": "rgb", "width": 224, "height": 224,
        # timm's DeiT eval transform: Resize(256, bicubic) + CenterCrop(224) (crop_pct 0.875)
        "resize": 256, "crop": "center", "interpolation": "bicubic",
        "normalisation": {"scale": 1 / 255, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}},
        "labels": [str(i) for i in range(1000)], "note": "random weights, for benchmarks only"}
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
    print(f"wrote {folder}/model.onnx ({sum(p.numel() for p in model.parameters()) / 1e6:.1f}M params)")


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "target/deit"
    for n in (sys.argv[2:] or ["small", "base"]):
        export(n, out)
