"""
Float64 NumPy references for the inputs the READMEs' examples use, so tests/readmes.test.ts can check
every value the examples print against something other than attn.js itself.

It first reproduces the PyTorch references in testdata/ (and stops if it cannot), then writes
readme-reference.json next to this file. Run: python3 tests/readme-reference/generate.py (numpy only).
"""
import json
import math
import struct
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"
erf = np.vectorize(math.erf)


def load(name, root=TESTDATA):
    raw = (root / name / "model.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        assert meta["dtype"] == "F32", meta
        a, b = meta["data_offsets"]
        out[key] = np.frombuffer(raw[8 + n + a : 8 + n + b], dtype="<f4").reshape(meta["shape"]).astype(np.float64)
    reference = root / name / "reference.json"
    return out, json.loads((root / name / "config.json").read_text()), json.loads(reference.read_text()) if reference.exists() else None


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def cross_entropy(logits, labels):
    """Mean over labels != -100 of -log softmax(logits)[label]."""
    rows = [(l, t) for l, t in zip(logits, labels) if t != -100]
    return float(np.mean([-(l[t] - l.max() - math.log(np.exp(l - l.max()).sum())) for l, t in rows]))


def attention(x, q, k, v, heads, causal):
    T, d = x.shape
    hd = d // heads
    split = lambda m: m.reshape(T, heads, hd).transpose(1, 0, 2)  # (h, T, hd)
    scores = split(q) @ split(k).transpose(0, 2, 1) / math.sqrt(hd)  # (h, T, T)
    if causal:
        scores = np.where(np.tril(np.ones((T, T), bool)), scores, -np.inf)
    return (softmax(scores) @ split(v)).transpose(1, 0, 2).reshape(T, d)


def gpt2_logits(W, c, ids):
    p = "transformer."
    x = W[p + "wte.weight"][ids] + W[p + "wpe.weight"][np.arange(len(ids))]
    eps, d = c["layer_norm_epsilon"], c["n_embd"]
    for i in range(c["n_layer"]):
        h = f"{p}h.{i}."
        a = layer_norm(x, W[h + "ln_1.weight"], W[h + "ln_1.bias"], eps) @ W[h + "attn.c_attn.weight"] + W[h + "attn.c_attn.bias"]
        y = attention(x, a[:, :d], a[:, d : 2 * d], a[:, 2 * d :], c["n_head"], True)
        x = x + y @ W[h + "attn.c_proj.weight"] + W[h + "attn.c_proj.bias"]
        m = layer_norm(x, W[h + "ln_2.weight"], W[h + "ln_2.bias"], eps) @ W[h + "mlp.c_fc.weight"] + W[h + "mlp.c_fc.bias"]
        m = 0.5 * m * (1 + np.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m**3)))  # gelu_new
        x = x + m @ W[h + "mlp.c_proj.weight"] + W[h + "mlp.c_proj.bias"]
    x = layer_norm(x, W[p + "ln_f.weight"], W[p + "ln_f.bias"], eps)
    return x @ W[p + "wte.weight"].T


def gpt2_loss(W, c, ids):
    return cross_entropy(gpt2_logits(W, c, ids)[:-1], ids[1:])


def gpt2_greedy(W, c, prompt, steps):
    seq, margins = list(prompt), []
    for _ in range(steps):
        last = np.sort(gpt2_logits(W, c, seq)[-1])
        seq.append(int(np.argmax(gpt2_logits(W, c, seq)[-1])))
        margins.append(float(last[-1] - last[-2]))
    return seq, min(margins)


def bert_encode(W, c, ids, types):
    """BertModel's last hidden state for one unpadded row."""
    eps = c["layer_norm_eps"]
    e = "bert.embeddings."
    x = W[e + "word_embeddings.weight"][ids] + W[e + "position_embeddings.weight"][np.arange(len(ids))] + W[e + "token_type_embeddings.weight"][types]
    x = layer_norm(x, W[e + "LayerNorm.weight"], W[e + "LayerNorm.bias"], eps)
    for i in range(c["num_hidden_layers"]):
        L = f"bert.encoder.layer.{i}."
        s = L + "attention.self."
        y = attention(x, linear(W, x, s + "query"), linear(W, x, s + "key"), linear(W, x, s + "value"), c["num_attention_heads"], False)
        x = layer_norm(x + linear(W, y, L + "attention.output.dense"), W[L + "attention.output.LayerNorm.weight"], W[L + "attention.output.LayerNorm.bias"], eps)
        m = linear(W, gelu(linear(W, x, L + "intermediate.dense")), L + "output.dense")
        x = layer_norm(x + m, W[L + "output.LayerNorm.weight"], W[L + "output.LayerNorm.bias"], eps)
    return x


def linear(W, x, name):
    return x @ W[name + ".weight"].T + W[name + ".bias"]


def gelu(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def bert_mlm_logits(W, c, x):
    t = "cls.predictions.transform."
    h = layer_norm(gelu(linear(W, x, t + "dense")), W[t + "LayerNorm.weight"], W[t + "LayerNorm.bias"], c["layer_norm_eps"])
    return h @ W["bert.embeddings.word_embeddings.weight"].T + W["cls.predictions.bias"]


def bert_pooled(W, x):
    return np.tanh(linear(W, x[0], "bert.pooler.dense"))


def bert_pretraining(W, c, ids, types, labels, nsp_label):
    x = bert_encode(W, c, ids, types)
    prediction = bert_mlm_logits(W, c, x)
    nsp = linear(W, bert_pooled(W, x), "cls.seq_relationship")
    loss = cross_entropy(prediction, labels) + cross_entropy(nsp[None], [nsp_label])
    return prediction, nsp, loss


def check(got, want, what):
    assert abs(got - want) <= 1e-6 * (1 + abs(want)), f"{what}: {got} != PyTorch {want}"


def main():
    W, c, ref = load("gpt2-tiny")
    # The PyTorch references first: a single unpadded row's loss, a full-length loss, a greedy generation.
    case0, case1, gen = ref["cases"][0], ref["cases"][1], ref["generation"][0]
    check(gpt2_loss(W, c, case0["input_ids"][0]), case0["float64"]["loss_per_sequence"][0], "gpt2 case 0 row 0 loss")
    check(gpt2_loss(W, c, case1["input_ids"][0]), case1["float64"]["loss"], "gpt2 case 1 loss")
    assert gpt2_greedy(W, c, gen["prompt"], 4)[0] == gen["full_sequence"][: len(gen["prompt"]) + 4]

    B, bc, bref = load("bert-tiny")
    b1 = bref["cases"][1]
    _, nsp, loss = bert_pretraining(B, bc, b1["input_ids"][0], b1["token_type_ids"][0], b1["mlm_labels"][0], b1["next_sentence_label"][0])
    check(loss, b1["float64"]["total_loss"], "bert case 1 total loss")
    for got, want in zip(nsp, b1["float64"]["nsp_logits"][0]):
        check(float(got), want, "bert case 1 nsp logits")

    out = {"generator": "tests/readme-reference/generate.py (NumPy float64; reproduces testdata's PyTorch references first)"}
    for prompt in ([56, 616, 662], [56, 616, 662, 395, 559]):
        key = ",".join(map(str, prompt))
        sequence, margin = gpt2_greedy(W, c, prompt, 5)
        out[f"gpt2-tiny:{key}"] = {"loss": gpt2_loss(W, c, prompt), "greedy5": sequence, "greedy5_min_margin": margin}
    ids, types = [101, 523, 103, 102, 871, 102], [0, 0, 0, 0, 1, 1]
    labels = [-100, -100, 640, -100, -100, -100]
    prediction, nsp, loss = bert_pretraining(B, bc, ids, types, labels, 0)
    out["bert-tiny:readme"] = {"input_ids": ids, "token_type_ids": types, "labels": labels, "next_sentence_label": 0,
                               "prediction_logits_shape": [1, *prediction.shape], "seq_relationship_logits": nsp.tolist(), "loss": loss}
    (Path(__file__).parent / "readme-reference.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
