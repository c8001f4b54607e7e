"""
Float64 NumPy references for `pnpm demo` (examples/demo.mjs): what the default models in models/ must print,
computed without attn.js. generate.py's GPT-2 and BERT forwards (which first reproduce the PyTorch fixtures)
run the committed weights; the WordPiece tokenization and the byte-level decoding are re-implemented here
from tokenizer.json. Run: python3 tests/readme-reference/demo_reference.py (numpy only) after retraining.
"""
import json
import os
import re
import unicodedata
from pathlib import Path

import numpy as np

from generate import ROOT, bert_encode, bert_mlm_logits, bert_pooled, gpt2_logits, linear, load, main as check_fixtures, softmax

MODELS = Path(os.environ.get("ATTNJS_MODELS", ROOT / "models"))
# The demo's inputs, as examples/demo.mjs has them (the test checks both against the printed lines).
PROMPT_IDS_FROM = "ROMEO:\n"
GENERATION = {"max_new_tokens": 48, "no_repeat_ngram_size": 3}
MASKED = ["the acting is [MASK] .", "it is a [MASK] movie about love ."]
REVIEWS = [
    "a gorgeous , witty and deeply moving film .",
    "a dull , lifeless mess with nothing to say .",
    "the cast is good , but the script is boring .",
]


def byte_decoder():
    """GPT-2's bytes_to_unicode, inverted: the printable stand-in of each byte back to the byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def byte_level_decode(vocab, ids):
    inverse = {i: t for t, i in vocab.items()}
    table = byte_decoder()
    return bytes(table[ch] for i in ids for ch in inverse[i]).decode("utf-8", errors="replace")


def byte_level_bpe(tokenizer, text):
    """GPT-2's byte-level BPE for ASCII text: its pre-tokenizer regex (letters and digits as ASCII classes), then
    the lowest-ranked merge first, over tokenizer.json's vocab and merges."""
    assert text.isascii()
    vocab, merges = tokenizer["model"]["vocab"], tokenizer["model"]["merges"]
    rank = {tuple(m.split(" ") if isinstance(m, str) else m): i for i, m in enumerate(merges)}
    table = {b: ch for ch, b in byte_decoder().items()}
    pattern = r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+"""
    ids = []
    for word in re.findall(pattern, text):
        parts = [table[b] for b in word.encode("utf-8")]
        while len(parts) > 1:
            pairs = [(rank.get((a, b), float("inf")), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            best, i = min(pairs)
            if best == float("inf"):
                break
            parts[i : i + 2] = [parts[i] + parts[i + 1]]
        ids += [vocab[p] for p in parts]
    return ids


def no_repeat_banned(seq, n):
    """Hugging Face's NoRepeatNGramLogitsProcessor: tokens that would complete an n-gram already in seq."""
    if len(seq) + 1 < n:
        return set()
    prefix = tuple(seq[len(seq) - n + 1 :])
    return {seq[i + n - 1] for i in range(len(seq) - n + 1) if tuple(seq[i : i + n - 1]) == prefix}


def shakespeare():
    W, c, _ = load("shakespeare-gpt", MODELS)
    tokenizer = json.loads((MODELS / "shakespeare-gpt" / "tokenizer.json").read_text())
    vocab = tokenizer["model"]["vocab"]
    prompt = byte_level_bpe(tokenizer, PROMPT_IDS_FROM)
    assert byte_level_decode(vocab, prompt) == PROMPT_IDS_FROM
    seq, margins = list(prompt), []
    for _ in range(GENERATION["max_new_tokens"]):
        logits = gpt2_logits(W, c, seq)[-1]
        for banned in no_repeat_banned(seq, GENERATION["no_repeat_ngram_size"]):
            logits[banned] = -np.inf
        top = np.sort(logits)
        margins.append(float(top[-1] - top[-2]))
        seq.append(int(np.argmax(logits)))
    return {"prompt": PROMPT_IDS_FROM, "prompt_ids": prompt, "ids": seq, "text": byte_level_decode(vocab, seq), "min_margin": min(margins)}


def wordpiece(vocab, text):
    """BERT's basic tokenizer (lowercase, strip accents, split punctuation) and greedy WordPiece, for ASCII text."""
    words = []
    for word in text.split():
        if word in ("[MASK]", "[CLS]", "[SEP]"):
            words.append(word)
            continue
        word = "".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(ch) != "Mn")
        piece = ""
        for ch in word:
            if unicodedata.category(ch).startswith("P") or ch in "$+<=>^`|~":
                words += [piece, ch] if piece else [ch]
                piece = ""
            else:
                piece += ch
        if piece:
            words.append(piece)
    ids = [vocab["[CLS]"]]
    for word in words:
        if word in vocab and word.startswith("["):
            ids.append(vocab[word])
            continue
        start, pieces = 0, []
        while start < len(word):
            for end in range(len(word), start, -1):
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in vocab:
                    pieces.append(vocab[candidate])
                    start = end
                    break
            else:
                pieces = [vocab["[UNK]"]]
                break
        ids += pieces
    return ids + [vocab["[SEP]"]]


def sst2():
    M, mc, _ = load("sst2-bert/pretrained", MODELS)
    C, cc, _ = load("sst2-bert", MODELS)
    vocab = json.loads((MODELS / "sst2-bert" / "tokenizer.json").read_text())["model"]["vocab"]
    inverse = {i: t for t, i in vocab.items()}
    fill = []
    for text in MASKED:
        ids = wordpiece(vocab, text)
        at = ids.index(vocab["[MASK]"])
        probs = softmax(bert_mlm_logits(M, mc, bert_encode(M, mc, ids, [0] * len(ids)))[at])
        order = np.argsort(-probs)
        fill.append({"text": text, "ids": ids, "top": [[inverse[int(i)], float(probs[i])] for i in order[:3]],
                     "min_gap": float(min(probs[order[k]] - probs[order[k + 1]] for k in range(3)))})
    sentiment = []
    for text in REVIEWS:
        ids = wordpiece(vocab, text)
        probs = softmax(linear(C, bert_pooled(C, bert_encode(C, cc, ids, [0] * len(ids))), "classifier"))
        best = int(np.argmax(probs))
        sentiment.append({"text": text, "ids": ids, "label": cc["id2label"][str(best)], "score": float(probs[best])})
    return fill, sentiment


if __name__ == "__main__":
    check_fixtures()  # the forwards reproduce the PyTorch fixtures first (and rewrite readme-reference.json)
    fill, sentiment = sst2()
    out = {"generator": "tests/readme-reference/demo_reference.py (NumPy float64)", "shakespeare": shakespeare(),
           "fill_mask": fill, "sentiment": sentiment}
    (Path(__file__).parent / "demo-reference.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
