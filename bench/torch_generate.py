"""PyTorch peer for the generation benchmark: the same GPT-2-124M checkpoint and prompts, greedy, with a KV
cache written in plain torch the way Hugging Face's GPT-2 keeps one (concatenate past keys/values per layer).

    /usr/bin/python3 bench/torch_generate.py <checkpoint dir> <speed|memory>

speed:  prefill ms (1x128), decode tokens/s at batch 1 and 8 from 128 tokens, cached vs uncached step at 256.
memory: load -> forward -> forward with labels -> generate 64 tokens; peak RSS.
One torch thread (OpenBLAS's pthread build still uses both cores), as bench/torch_peer.py.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F

from torch_peer import read_safetensors

SEQUENCE_LENGTH, DECODE_STEPS, LONG_CONTEXT, MEMORY_NEW_TOKENS = 128, 32, 256, 64


def prompt_ids(rows, length, vocab):
    """As bench/generate-worker.mjs: row r is (i * 7919 + 13 + r) mod vocab."""
    return torch.tensor([[(i * 7919 + 13 + r) % vocab for i in range(length)] for r in range(rows)], dtype=torch.long)


def gpt2_step(w, c, ids, past):
    """ids (B, T) after `past` (per layer (k, v), each (B, nh, P, hs)) -> (last logits (B, V), new past)."""
    d, nh, eps = c["n_embd"], c["n_head"], c["layer_norm_epsilon"]
    hs = d // nh
    B, T = ids.shape
    P = past[0][0].shape[2] if past else 0
    p = "transformer."
    x = w[p + "wte.weight"][ids] + w[p + "wpe.weight"][P : P + T]

    def conv1d(x, name):
        return torch.addmm(w[name + ".bias"], x.reshape(-1, x.shape[-1]), w[name + ".weight"]).view(*x.shape[:-1], -1)

    def ln(x, name):
        return F.layer_norm(x, (d,), w[name + ".weight"], w[name + ".bias"], eps)

    present = []
    for i in range(c["n_layer"]):
        b = f"{p}h.{i}."
        q, k, v = (t.view(B, T, nh, hs).transpose(1, 2) for t in conv1d(ln(x, b + "ln_1"), b + "attn.c_attn").split(d, dim=-1))
        if past:
            k, v = torch.cat([past[i][0], k], 2), torch.cat([past[i][1], v], 2)
        present.append((k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hs)  # (B, nh, T, P + T)
        causal = torch.ones(T, P + T, dtype=torch.bool).triu(P + 1)
        a = torch.matmul(scores.masked_fill(causal, torch.finfo(scores.dtype).min).softmax(-1), v)
        x = x + conv1d(a.transpose(1, 2).reshape(B, T, d), b + "attn.c_proj")
        x = x + conv1d(F.gelu(conv1d(ln(x, b + "ln_2"), b + "mlp.c_fc"), approximate="tanh"), b + "mlp.c_proj")
    x = ln(x, p + "ln_f")
    return x, present


def logits_of(w, x):
    return torch.matmul(x, w["transformer.wte.weight"].t())


def decode(w, c, prompt, steps, use_cache=True):
    """Prefill, then `steps` greedy steps: (prefill ms, steps ms)."""
    t0 = time.perf_counter()
    x, past = gpt2_step(w, c, prompt, None)
    token = logits_of(w, x[:, -1]).argmax(-1, keepdim=True)
    prefill = (time.perf_counter() - t0) * 1000
    seq = torch.cat([prompt, token], 1)
    t0 = time.perf_counter()
    for _ in range(steps):
        if use_cache:
            x, past = gpt2_step(w, c, token, past)
        else:
            x, _ = gpt2_step(w, c, seq, None)
        token = logits_of(w, x[:, -1]).argmax(-1, keepdim=True)
        seq = torch.cat([seq, token], 1)
    return prefill, (time.perf_counter() - t0) * 1000


def main():
    folder, task = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    with open(folder + "config.json") as f:
        c = json.load(f)
    w = read_safetensors(folder + "model.safetensors")
    V = c["vocab_size"]
    result = {"engine": "pytorch", "backendName": f"torch {torch.__version__}, 1 thread", "task": task}
    with torch.inference_mode():
        if task == "speed":
            p1 = prompt_ids(1, SEQUENCE_LENGTH, V)
            decode(w, c, p1, 2)
            prefills = sorted(decode(w, c, p1, 0)[0] for _ in range(3))
            _, ms1 = decode(w, c, p1, DECODE_STEPS)
            p8 = prompt_ids(8, SEQUENCE_LENGTH, V)
            decode(w, c, p8, 1)
            _, ms8 = decode(w, c, p8, DECODE_STEPS)
            long = prompt_ids(1, LONG_CONTEXT - 4, V)
            _, cached = decode(w, c, long, 8, True)
            _, uncached = decode(w, c, long, 2, False)
            result.update(
                prefillMs=prefills[1],
                decode1TokensPerS=DECODE_STEPS / (ms1 / 1000),
                decode8TokensPerS=8 * DECODE_STEPS / (ms8 / 1000),
                cachedStepMs=cached / 8,
                uncachedStepMs=uncached / 2,
            )
        else:
            ids = prompt_ids(1, SEQUENCE_LENGTH, V)
            x, _ = gpt2_step(w, c, ids, None)
            logits_of(w, x)
            x, _ = gpt2_step(w, c, ids, None)
            F.cross_entropy(logits_of(w, x)[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
            decode(w, c, ids, MEMORY_NEW_TOKENS - 1)
            result["generated"] = MEMORY_NEW_TOKENS
    result["maxRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
