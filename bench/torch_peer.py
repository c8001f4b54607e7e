"""PyTorch peer for `pnpm bench`: the same checkpoint, the same 1x128 ids, the same forward, timed the same way.

    /usr/bin/python3 bench/torch_peer.py <gpt2|bert> <checkpoint dir> <warmup> <runs> [budget seconds]

Reads config.json + model.safetensors with json + numpy (no transformers needed), runs GPT-2 (full
logits, as GPT2LMHeadModel) or BERT (last hidden state + pooler, as BertModel) written in plain torch ops
the way Hugging Face writes them, under torch.inference_mode(), and prints one JSON line on stdout.
One torch thread: OpenBLAS (pthread build) still uses both cores, and more torch threads oversubscribe
(measured on this project's 2-core machines).
"""
import json
import math
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

SEQUENCE_LENGTH = 128
DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data, dtype=DTYPES[info["dtype"]], count=(end - begin) // np.dtype(DTYPES[info["dtype"]]).itemsize, offset=base + begin)
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).astype(np.float32, copy=True))
    return tensors


def machine_busy_seconds():
    """Busy CPU seconds of the whole machine so far (Linux /proc/stat), as bench/worker.mjs measures it."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return (sum(fields) - fields[3] - fields[4]) / 100
    except (OSError, IndexError, ValueError):
        return None


def bench_ids(vocab_size):
    """The same ids as bench/worker.mjs: (i * 7919 + 13) mod vocab."""
    return torch.tensor([[(i * 7919 + 13) % vocab_size for i in range(SEQUENCE_LENGTH)]], dtype=torch.long)


def attention(q, k, v, num_heads, causal, mask=None):
    """q, k, v (B, T, d) -> (B, T, d): softmax(q k^T / sqrt(hs)) v per head."""
    B, T, d = q.shape
    hs = d // num_heads
    q, k, v = (x.view(B, T, num_heads, hs).transpose(1, 2) for x in (q, k, v))  # (B, nh, T, hs)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hs)  # (B, nh, T, T)
    if causal:
        scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), torch.finfo(scores.dtype).min)
    if mask is not None:
        scores = scores + mask
    y = torch.matmul(scores.softmax(-1), v)  # (B, nh, T, hs)
    return y.transpose(1, 2).reshape(B, T, d)


def gpt2_forward(w, c, ids):
    """GPT2LMHeadModel: pre-LN blocks, Conv1D weights [in, out] (torch.addmm as HF does), tied LM head."""
    d, eps = c["n_embd"], c["layer_norm_epsilon"]
    T = ids.shape[1]
    p = "transformer."
    x = w[p + "wte.weight"][ids] + w[p + "wpe.weight"][:T]  # (B, T, d)

    def conv1d(x, name):
        out = torch.addmm(w[name + ".bias"], x.reshape(-1, x.shape[-1]), w[name + ".weight"])
        return out.view(*x.shape[:-1], -1)

    def ln(x, name):
        return F.layer_norm(x, (d,), w[name + ".weight"], w[name + ".bias"], eps)

    for i in range(c["n_layer"]):
        b = f"{p}h.{i}."
        q, k, v = conv1d(ln(x, b + "ln_1"), b + "attn.c_attn").split(d, dim=-1)
        x = x + conv1d(attention(q, k, v, c["n_head"], causal=True), b + "attn.c_proj")
        h = F.gelu(conv1d(ln(x, b + "ln_2"), b + "mlp.c_fc"), approximate="tanh")
        x = x + conv1d(h, b + "mlp.c_proj")
    x = ln(x, p + "ln_f")
    return torch.matmul(x, w[p + "wte.weight"].t())  # (B, T, V)


def bert_encode(w, c, ids, mask=None):
    """BERT's encoder: embeddings + LayerNorm, post-LN layers, erf GELU; nn.Linear weights [out, in].
    mask: an additive (B, 1, 1, T) attention mask, or None. Returns the last hidden state (B, T, H)."""
    H, eps = c["hidden_size"], c["layer_norm_eps"]
    T = ids.shape[1]
    pre = bert_prefix(w)

    def linear(x, name):
        return F.linear(x, w[pre + name + ".weight"], w[pre + name + ".bias"])

    def ln(x, name):
        return F.layer_norm(x, (H,), w[pre + name + ".weight"], w[pre + name + ".bias"], eps)

    e = pre + "embeddings."
    x = w[e + "word_embeddings.weight"][ids] + w[e + "position_embeddings.weight"][:T] + w[e + "token_type_embeddings.weight"][0]
    x = ln(x, "embeddings.LayerNorm")
    for i in range(c["num_hidden_layers"]):
        b = f"encoder.layer.{i}."
        a = attention(*(linear(x, b + "attention.self." + n) for n in ("query", "key", "value")), c["num_attention_heads"], causal=False, mask=mask)
        x = ln(x + linear(a, b + "attention.output.dense"), b + "attention.output.LayerNorm")
        h = F.gelu(linear(x, b + "intermediate.dense"))
        x = ln(x + linear(h, b + "output.dense"), b + "output.LayerNorm")
    return x


def bert_prefix(w):
    """BertModel checkpoints have no prefix; task heads' (BertForMaskedLM, ...) put the encoder under `bert.`."""
    return "bert." if "bert.embeddings.word_embeddings.weight" in w else ""


def bert_forward(w, c, ids):
    """BertModel: the encoder, then the tanh pooler on the first token."""
    x = bert_encode(w, c, ids)
    pre = bert_prefix(w)
    pooled = torch.tanh(F.linear(x[:, 0], w[pre + "pooler.dense.weight"], w[pre + "pooler.dense.bias"]))
    return x, pooled


def main():
    model, folder, warmup, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    budget = float(sys.argv[5]) if len(sys.argv) > 5 else 45.0
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    with open(folder + "config.json") as f:
        config = json.load(f)
    weights = read_safetensors(folder + "model.safetensors")
    load_ms = (time.perf_counter() - t0) * 1000
    ids = bench_ids(config["vocab_size"])
    forward = (lambda: gpt2_forward(weights, config, ids)) if model == "gpt2" else (lambda: bert_forward(weights, config, ids)[0])

    with torch.inference_mode():
        t0 = time.perf_counter()
        out = forward()
        first_ms = (time.perf_counter() - t0) * 1000
        warmups = 1 if first_ms > budget * 1000 / 4 else warmup
        for _ in range(1, warmups):
            out = forward()
        busy0, own0, wall0 = machine_busy_seconds(), sum(os.times()[:2]), time.perf_counter()
        times = []
        for i in range(runs):
            if i > 0 and time.perf_counter() - wall0 >= budget:
                break
            t0 = time.perf_counter()
            out = forward()
            times.append((time.perf_counter() - t0) * 1000)
            print(f"  [torch {model}] run {i + 1}/{runs}: {times[-1]:.0f} ms", file=sys.stderr)
    wall = time.perf_counter() - wall0
    own = sum(os.times()[:2]) - own0
    busy1 = machine_busy_seconds()
    others = None if busy0 is None or busy1 is None else max(0.0, (busy1 - busy0 - own) / wall)
    print(
        json.dumps(
            {
                "engine": "pytorch",
                "backendName": f"torch {torch.__version__}, {torch.get_num_threads()} thread",
                "model": model,
                "shape": list(out.shape),
                "loadMs": load_ms,
                "firstMs": first_ms,
                "warmups": warmups,
                "times": times,
                "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
                "ownLoad": own / wall,
                "othersLoad": others,
                "cores": os.cpu_count(),
                "lastRow": out[0, -1].tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()
