#!/usr/bin/env python3
"""Makes the small ONNX fixtures that vbp-core's tests run on (random weights, fixed seed), in the export styles
that MLP block discovery must handle:

  bert-tiny.onnx       HuggingFace-style BERT encoder (BertIntermediate/BertOutput), opset 11: erf GELU built from
                       Constant nodes, LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div, int64 token inputs
  bert-tiny-tanh.onnx  the same with HF's "gelu_new" tanh approximation written out (Pow, Tanh)
  mlp-gemm-relu.onnx   2-D Linear layers exported as Gemm (transB=1) with ReLU
  mlp-gemm-silu.onnx   the same with SiLU (Sigmoid + Mul)
  no-mlp.onnx          a single Linear and Softmax: no MLP block

Offline only:  /usr/bin/python3 models/scripts/make_test_models.py vbp-core/src/test/resources/models
"""
import math
import sys

import torch
import torch.nn as nn


class GeluNew(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class BertLayer(nn.Module):
    def __init__(self, hidden, inter, heads, act):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, inter)
        self.act = act
        self.output = nn.Linear(inter, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, mask):
        b, n, c = x.shape
        d = c // self.heads

        def split(t):
            return t.view(b, n, self.heads, d).permute(0, 2, 1, 3)
        scores = split(self.query(x)) @ split(self.key(x)).transpose(-1, -2) / math.sqrt(d) + mask
        ctx = (scores.softmax(-1) @ split(self.value(x))).permute(0, 2, 1, 3).reshape(b, n, c)
        x = self.ln1(self.attn_out(ctx) + x)
        return self.ln2(self.output(self.act(self.intermediate(x))) + x)


class TinyBert(nn.Module):
    def __init__(self, act, vocab=100, hidden=32, inter=128, layers=2, heads=2, max_len=64):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_len, hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([BertLayer(hidden, inter, heads, act) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)

    def forward(self, input_ids, attention_mask):
        n = input_ids.shape[1]
        x = self.ln(self.word(input_ids) + self.pos(torch.arange(n).unsqueeze(0)))
        mask = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, mask)
        return torch.tanh(self.pooler(x[:, 0]))


class GemmMlp(nn.Module):
    def __init__(self, act, dim=20, hidden=48, classes=5):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = act
        self.fc2 = nn.Linear(hidden, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        return self.head(x + self.fc2(self.act(self.fc1(x))))


class NoMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(x).softmax(-1)


def export_bert(model, path):
    ids = torch.randint(0, 100, (2, 9))
    mask = torch.ones(2, 9, dtype=torch.int64)
    torch.onnx.export(model, (ids, mask), path, opset_version=11, do_constant_folding=True,
                      input_names=["input_ids", "attention_mask"], output_names=["pooled"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"}, "pooled": {0: "batch"}})


def export_2d(model, path, dim):
    torch.onnx.export(model, torch.randn(3, dim), path, opset_version=13, input_names=["features"],
                      output_names=["logits"], dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "vbp-core/src/test/resources/models"
    torch.manual_seed(1234)
    export_bert(TinyBert(nn.GELU()).eval(), f"{out}/bert-tiny.onnx")
    export_bert(TinyBert(GeluNew()).eval(), f"{out}/bert-tiny-tanh.onnx")
    export_2d(GemmMlp(nn.ReLU()).eval(), f"{out}/mlp-gemm-relu.onnx", 20)
    export_2d(GemmMlp(nn.SiLU()).eval(), f"{out}/mlp-gemm-silu.onnx", 20)
    export_2d(NoMlp().eval(), f"{out}/no-mlp.onnx", 16)


if __name__ == "__main__":
    main()
