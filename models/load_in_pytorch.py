"""
Loads a model folder that attn.js saved (config.json + model.safetensors under Hugging Face names) with plain
PyTorch (Debian's python3-torch; no transformers) and prints its logits for the given ids as JSON: the
check that attn.js's checkpoints are what PyTorch code that reads Hugging Face checkpoints expects.

    python3 models/load_in_pytorch.py <model folder> '<ids as JSON, e.g. [[1, 2, 3]]>'

GPT-2 folders give GPT2LMHeadModel's logits [B, T, V]; BERT folders give the head their `architectures`
names: BertForSequenceClassification's logits [B, num_labels] or BertForMaskedLM's logits [B, T, V].
The forwards are bench/torch_peer.py's, written in torch ops the way Hugging Face writes them.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from torch_peer import bert_encode, bert_forward, gpt2_forward, read_safetensors  # noqa: E402


def logits(folder, ids):
    config = json.loads((folder / "config.json").read_text())
    weights = read_safetensors(str(folder / "model.safetensors"))
    ids = torch.tensor(ids, dtype=torch.long)
    if config["model_type"] == "gpt2":
        return gpt2_forward(weights, config, ids)
    architecture = config["architectures"][0]
    if architecture == "BertForSequenceClassification":
        _, pooled = bert_forward(weights, config, ids)
        return F.linear(pooled, weights["classifier.weight"], weights["classifier.bias"])
    if architecture == "BertForMaskedLM":  # no pooler, as Hugging Face's BertForMaskedLM
        hidden = bert_encode(weights, config, ids)
        t = "cls.predictions.transform."
        h = F.layer_norm(F.gelu(F.linear(hidden, weights[t + "dense.weight"], weights[t + "dense.bias"])), (config["hidden_size"],),
                         weights[t + "LayerNorm.weight"], weights[t + "LayerNorm.bias"], config["layer_norm_eps"])
        decoder = weights.get("cls.predictions.decoder.weight", weights["bert.embeddings.word_embeddings.weight"])
        return F.linear(h, decoder, weights["cls.predictions.bias"])
    raise SystemExit(f"{folder}: no PyTorch forward here for {architecture}")


if __name__ == "__main__":
    with torch.inference_mode():
        out = logits(Path(sys.argv[1]), json.loads(sys.argv[2]))
    print(json.dumps({"shape": list(out.shape), "logits": out.flatten().tolist()}))
