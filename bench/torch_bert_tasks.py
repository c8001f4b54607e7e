"""PyTorch peer for bench/bert-tasks.mjs: BertForSequenceClassification on the BERT-base-shaped checkpoint.

    /usr/bin/python3 bench/torch_bert_tasks.py <checkpoint dir> forward <runs>
    /usr/bin/python3 bench/torch_bert_tasks.py <checkpoint dir> pipeline <sst2 dev.tsv> <batch> <warmup sentences>

forward: load, then batch 1 and batch 32 forwards of 128 tokens (the ids bench/bert-tasks-inputs.mjs makes,
all-ones attention mask), warm-ups and timed runs as SCHEDULE says. Its peak RSS is load -> forward.
pipeline: what a text-classification pipeline does, in Python: tokenize each batch of sentences, pad to the
longest, forward, softmax, best label, over SST-2's dev sentences in file order.

Neither `transformers` nor `tokenizers` is installed for Debian's python, so tokenization is a plain-Python
BERT tokenizer (BasicTokenizer + greedy WordPiece, as transformers' slow BertTokenizer) reading vocab.txt; the
bench checks its scores against attn.js's on every sentence. The forward is torch_peer.py's plain-torch BERT
(1 thread, as torch_peer.py explains), plus the pooler and the classifier. Prints one JSON line on stdout.
"""
import json
import resource
import sys
import time
import unicodedata

import torch
import torch.nn.functional as F

from torch_peer import bert_encode, bert_prefix, read_safetensors

SEQUENCE_LENGTH = 128
# bench/bert-tasks-inputs.mjs's SCHEDULE: (warm-ups, timed runs or None for the --runs argument) per batch size.
SCHEDULE = {1: (1, None), 32: (0, 2)}


def batch_ids(batch, vocab_size, length=SEQUENCE_LENGTH):
    """The same ids as bench/bert-tasks-inputs.mjs: ((b * 128 + i) * 7919 + 13) mod vocab."""
    return torch.tensor([[((b * length + i) * 7919 + 13) % vocab_size for i in range(length)] for b in range(batch)], dtype=torch.long)


def classify(w, c, ids, mask):
    """BertForSequenceClassification's logits (B, num_labels); mask (B, T) of 1 (token) / 0 (pad)."""
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    x = bert_encode(w, c, ids, additive)
    pre = bert_prefix(w)
    pooled = torch.tanh(F.linear(x[:, 0], w[pre + "pooler.dense.weight"], w[pre + "pooler.dense.bias"]))
    return F.linear(pooled, w["classifier.weight"], w["classifier.bias"])


# --- BERT's tokenizer (transformers' BasicTokenizer + WordpieceTokenizer, uncased) -------------------------


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokens(text):
    """Clean, split CJK characters, lowercase, strip accents, split on whitespace and punctuation."""
    chars = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
            chars.append(" ")
        elif is_cjk(cp):
            chars.append(f" {ch} ")
        else:
            chars.append(ch)
    words = []
    for word in "".join(chars).split():
        word = "".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(ch) != "Mn")
        piece = ""
        for ch in word:
            if is_punctuation(ch):
                words += [piece, ch] if piece else [ch]
                piece = ""
            else:
                piece += ch
        if piece:
            words.append(piece)
    return words


class WordPiece:
    def __init__(self, vocab_file):
        with open(vocab_file, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.cache = {}
        self.cls, self.sep, self.unk, self.pad = (self.vocab[t] for t in ("[CLS]", "[SEP]", "[UNK]", "[PAD]"))

    def word(self, word):
        if word in self.cache:
            return self.cache[word]
        if len(word) > 100:
            return [self.unk]
        start, pieces = 0, []
        while start < len(word):
            for end in range(len(word), start, -1):
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    pieces.append(self.vocab[candidate])
                    start = end
                    break
            else:
                pieces = [self.unk]
                break
        self.cache[word] = pieces
        return pieces

    def encode(self, text, max_length=512):
        ids = [i for w in basic_tokens(text) for i in self.word(w)][: max_length - 2]
        return [self.cls] + ids + [self.sep]

    def pad_batch(self, rows):
        n = max(len(r) for r in rows)
        ids = torch.tensor([r + [self.pad] * (n - len(r)) for r in rows], dtype=torch.long)
        mask = torch.tensor([[1] * len(r) + [0] * (n - len(r)) for r in rows], dtype=torch.long)
        return ids, mask


def forward_task(w, c, runs):
    result = {}
    last = None
    for batch, (warmup, timed) in SCHEDULE.items():
        ids = batch_ids(batch, c["vocab_size"])
        mask = torch.ones_like(ids)
        for _ in range(warmup):
            classify(w, c, ids, mask)
        times = []
        for _ in range(timed or runs):
            t0 = time.perf_counter()
            last = classify(w, c, ids, mask)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"  [torch bert-tasks] batch {batch}: {', '.join(f'{t:.0f}' for t in times)} ms", file=sys.stderr)
        result[f"batch{batch}Ms"] = times
    result["lastRow"] = last[-1].tolist()
    return result


def pipeline_task(w, c, folder, tsv, batch, warmup):
    with open(tsv, encoding="utf-8") as f:
        sentences = [line.split("\t")[0].strip() for line in f.read().split("\n")[1:] if line.strip()]
    tokenizer = WordPiece(folder + "vocab.txt")
    labels = c["id2label"]

    def run(texts):
        out = []
        for i in range(0, len(texts), batch):
            ids, mask = tokenizer.pad_batch([tokenizer.encode(t, c["max_position_embeddings"]) for t in texts[i : i + batch]])
            probs = classify(w, c, ids, mask).softmax(-1)
            score, best = probs.max(-1)
            out += [{"label": labels[str(int(b))], "score": float(s)} for s, b in zip(score, best)]
        return out

    run(sentences[:warmup])
    t0 = time.perf_counter()
    results = run(sentences)
    seconds = time.perf_counter() - t0
    print(f"  [torch bert-tasks] pipeline: {len(sentences)} sentences in {seconds:.1f} s", file=sys.stderr)
    positive = [r["score"] if r["label"] == labels["1"] else 1 - r["score"] for r in results]
    return {"sentences": len(sentences), "seconds": seconds, "sentencesPerS": len(sentences) / seconds, "positive": positive}


def main():
    folder, task = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    config = json.load(open(folder + "config.json"))
    weights = read_safetensors(folder + "model.safetensors")
    with torch.inference_mode():
        if task == "forward":
            result = forward_task(weights, config, int(sys.argv[3]))
        else:
            result = pipeline_task(weights, config, folder, sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    result.update({
        "engine": "pytorch",
        "backendName": f"torch {torch.__version__}, {torch.get_num_threads()} thread",
        "task": task,
        "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
