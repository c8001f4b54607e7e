"""PyTorch peer for the training benchmark (bench/train.mjs): the same checkpoint, batch and recipe as attn.js.

    /usr/bin/python3 bench/torch_train.py <row> <checkpoint dir> <batch json> <recipe json> <runs> [budget seconds]

The forward is torch_peer.py's plain-torch GPT-2 / BERT (the way Hugging Face writes them), with the loss
Hugging Face computes: GPT2LMHeadModel's shifted next-token cross-entropy, or BertForMaskedLM's
cross-entropy over the masked positions (labels -100 elsewhere) through the tied MLM head. A step is
zero_grad, forward, loss.backward(), clip_grad_norm_, torch.optim.AdamW.step() with nanoGPT's / Hugging
Face's parameter groups (weight decay on tensors of rank >= 2 only). The forward alone runs under
torch.no_grad(). Timed as bench/train-timing.mjs times attn.js; one JSON line on stdout. One torch thread,
as torch_peer.py explains.
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

from torch_peer import bert_encode, bert_prefix, gpt2_forward, machine_busy_seconds, read_safetensors


def causal_lm_loss(w, c, batch):
    ids = torch.tensor(batch["inputIds"], dtype=torch.long)
    logits = gpt2_forward(w, c, ids)  # (B, T, V)
    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def masked_lm_loss(w, c, batch):
    ids = torch.tensor(batch["inputIds"], dtype=torch.long)
    labels = torch.tensor(batch["labels"], dtype=torch.long)
    mask = torch.tensor(batch["attentionMask"], dtype=torch.float32)[:, None, None, :]  # (B, 1, 1, T)
    x = bert_encode(w, c, ids, (1.0 - mask) * torch.finfo(torch.float32).min)
    H, pre, p = c["hidden_size"], bert_prefix(w), "cls.predictions."
    h = F.gelu(F.linear(x, w[p + "transform.dense.weight"], w[p + "transform.dense.bias"]))
    h = F.layer_norm(h, (H,), w[p + "transform.LayerNorm.weight"], w[p + "transform.LayerNorm.bias"], c["layer_norm_eps"])
    logits = torch.matmul(h, w[pre + "embeddings.word_embeddings.weight"].t()) + w[p + "bias"]  # (B, T, V), tied decoder
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


LOSSES = {"nanogpt": causal_lm_loss, "bert-base": masked_lm_loss}


BLOCK = 3


def interleaved_runs(forward, step, runs, budget_s, label):
    """Timed forwards and steps in alternating blocks of up to BLOCK calls, each forward block after an
    untimed forward, stopping once `budget_s` is spent (after one block of each): train-timing.mjs's
    interleavedRuns, so that the machine's slow speed changes fall on both alike."""
    forward_times, step_times, start = [], [], time.perf_counter()

    def timed(fn, times, what):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        print(f"  [torch {label} {what}] {len(times)}/{runs}: {times[-1]:.0f} ms", file=sys.stderr)

    while len(step_times) < runs and (not step_times or time.perf_counter() - start < budget_s):
        block = min(BLOCK, runs - len(step_times))
        forward()
        for _ in range(block):
            timed(forward, forward_times, "forward")
        for _ in range(block):
            timed(step, step_times, "step")
    return forward_times, step_times


def main():
    row, folder, batch_file, recipe_json, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    budget = float(sys.argv[6]) if len(sys.argv) > 6 else 45.0
    warmup_steps = int(sys.argv[7]) if len(sys.argv) > 7 else 3  # train-timing.mjs's WARMUP_STEPS
    recipe = json.loads(recipe_json)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    with open(folder + "config.json") as f:
        config = json.load(f)
    with open(batch_file) as f:
        batch = json.load(f)
    weights = {name: t.requires_grad_() for name, t in read_safetensors(folder + "model.safetensors").items()}
    load_ms = (time.perf_counter() - t0) * 1000
    params = list(weights.values())
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": recipe["weightDecay"]},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=recipe["learningRate"], betas=tuple(recipe["betas"]), eps=recipe["eps"])
    loss_of = LOSSES[row]

    def forward():
        with torch.no_grad():
            return loss_of(weights, config, batch).item()

    losses = []

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(weights, config, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, recipe["maxGradNorm"])
        optimizer.step()
        losses.append(loss.item())

    busy0, own0, wall0 = machine_busy_seconds(), sum(os.times()[:2]), time.perf_counter()
    t0 = time.perf_counter()
    initial_loss = forward()
    first_forward_ms = (time.perf_counter() - t0) * 1000
    warmup_step_ms = []
    for _ in range(warmup_steps):
        t0 = time.perf_counter()
        step()
        warmup_step_ms.append((time.perf_counter() - t0) * 1000)
    first_step_ms = warmup_step_ms[0]
    forward_times, step_times = interleaved_runs(forward, step, runs, 2 * budget, row)
    wall = time.perf_counter() - wall0
    own = sum(os.times()[:2]) - own0
    busy1 = machine_busy_seconds()
    print(
        json.dumps(
            {
                "engine": "pytorch",
                "backendName": f"torch {torch.__version__}, {torch.get_num_threads()} thread",
                "row": row,
                "parameters": sum(p.numel() for p in params),
                "loadMs": load_ms,
                "initialLoss": initial_loss,
                "firstForwardMs": first_forward_ms,
                "forwardTimes": forward_times,
                "firstStepMs": first_step_ms,
                "warmupStepTimes": warmup_step_ms,
                "stepTimes": step_times,
                "losses": losses,
                "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
                "ownLoad": own / wall,
                "othersLoad": None if busy0 is None or busy1 is None else max(0.0, (busy1 - busy0 - own) / wall),
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
