"""The default model's tokenizer for questions, in 30 MB instead of 290.

Takes: the model folder's `tokenizer.json` (XLM-R's sentencepiece Unigram model, 250,002
pieces). Gives: a question's token ids, exactly the `tokenizers` library's (tests/
test_e5_tokens.py compares them on every passage, sentence and question of the evaluation
sets).

`tokenizers` builds a character trie of every piece that holds 257 MB (290 MB with the
rest), more than the index of 1,000 reports a warm process answers from. Here the pieces
are a dict and the best segmentation is found by the same Viterbi search (sentencepiece's
`EncodeOptimized`, as `tokenizers` runs it: the same scores added in the same order, ties
kept by the first path found, runs of unknown characters fused into one `<unk>`); the
normalizer and the pre-tokenizer are the library's own, loaded without the model.
"""

from __future__ import annotations

import json
import re
from array import array
from pathlib import Path

# One [piece, score] of the vocabulary as the file writes it (a piece is a JSON string).
_PIECE = re.compile(rb'\s*,?\s*\[\s*"((?:[^"\\]|\\.)*)"\s*,\s*(-?[0-9.eE+-]+)\s*\]')
_CLOSE = re.compile(rb"\s*\]")
BOS, EOS = 0, 2  # <s>, </s>: what the template adds around a text
UNK_PENALTY = 10.0  # below the lowest piece's score, as sentencepiece and tokenizers score unknowns


class QuestionTokenizer:
    """Token ids of a text as `Tokenizer.from_file(folder/tokenizer.json).encode(text).ids`
    gives them, with truncation to `max_tokens`."""

    def __init__(self, path: Path, max_tokens: int = 512):
        from tokenizers import Tokenizer

        raw = Path(path).read_bytes()
        # The pieces are read from the file's bytes one by one: parsing the whole file into
        # Python lists first would double what this keeps (and the peak).
        try:
            at = raw.index(b"[", raw.index(b'"vocab"', raw.index(b'"model"')))
        except ValueError:
            raise ValueError(f"{path} is not the Unigram tokenizer this reads") from None
        self._ids: dict[str, int] = {}
        scores = array("d")
        end = at + 1
        while found := _PIECE.match(raw, end):
            piece = found[1].decode("utf-8")
            self._ids[json.loads(f'"{piece}"') if "\\" in piece else piece] = len(scores)
            scores.append(float(found[2]))
            end = found.end()
        closed = _CLOSE.match(raw, end)
        if not scores or closed is None or len(self._ids) != len(scores):
            raise ValueError(f"{path} is not the Unigram tokenizer this reads: its pieces do not parse")
        spec = json.loads(raw[:at] + b"[]" + raw[closed.end():])
        model = spec["model"]
        if model.get("type") != "Unigram" or model.get("byte_fallback") or spec.get("post_processor", {}).get(
                "single", [{}])[0].get("SpecialToken", {}).get("id") != "<s>":
            raise ValueError(f"{path} is not the Unigram tokenizer this reads")
        self._scores = scores
        self._unk = int(model["unk_id"])
        self._unk_score = min(scores) - UNK_PENALTY
        self._longest = max(len(piece) for piece in self._ids)
        self._special = [t["content"] for t in spec.get("added_tokens", [])]
        self._max_tokens = max_tokens
        # The normalizer and pre-tokenizer as the library runs them, around a one-piece model.
        light = dict(spec, model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]], "byte_fallback": False},
                     added_tokens=[])
        self._text_steps = Tokenizer.from_str(json.dumps(light))
        self._full = None  # the library's tokenizer, for a text holding a special token's name
        self._path = Path(path)

    def ids(self, text: str) -> list[int]:
        if any(name in text for name in self._special):  # <s>, <mask>…: the library splits on them
            return self._library().encode(text).ids
        normalizer, pre_tokenizer = self._text_steps.normalizer, self._text_steps.pre_tokenizer
        normalized = normalizer.normalize_str(text) if normalizer is not None else text
        words = pre_tokenizer.pre_tokenize_str(normalized) if pre_tokenizer is not None else [(normalized, None)]
        ids = [i for word, _ in words for i in self._segment(word)]
        return [BOS, *ids[: self._max_tokens - 2], EOS]

    def _library(self):
        if self._full is None:
            from tokenizers import Tokenizer

            self._full = Tokenizer.from_file(str(self._path))
            self._full.enable_truncation(self._max_tokens)
        return self._full

    def _segment(self, word: str) -> list[int]:
        """Return the ids of the best-scoring split of `word` into pieces (Viterbi)."""
        n = len(word)
        score = [0.0] * (n + 1)
        start: list[int | None] = [None] * (n + 1)
        piece = [0] * (n + 1)
        ids, scores = self._ids, self._scores
        for at in range(n):
            here = score[at]
            single = False
            for end in range(at + 1, min(n, at + self._longest) + 1):
                found = ids.get(word[at:end])
                if found is None:
                    continue
                candidate = scores[found] + here
                if start[end] is None or candidate > score[end]:
                    score[end], start[end], piece[end] = candidate, at, found
                if end == at + 1:
                    single = True
            if not single:
                candidate = self._unk_score + here
                if start[at + 1] is None or candidate > score[at + 1]:
                    score[at + 1], start[at + 1], piece[at + 1] = candidate, at, self._unk
        out: list[int] = []
        end = n
        while end > 0:
            i = piece[end]
            if not (i == self._unk and out and out[-1] == self._unk):  # a run of unknowns is one <unk>
                out.append(i)
            end = start[end]
        out.reverse()
        return out
