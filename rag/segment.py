"""Chinese word segmentation (jieba), in one place.

Gives word spans for the chunker (so cuts fall between words) and keyword tokens
for BM25 (words plus character bigrams, which keep a one-character typo from
losing the whole word).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from .normalize import normalize_for_matching

_TOKEN_OK = re.compile(r"[\w\u3400-\u9fff%]")

# Function words and question words that carry no topic: matching them only adds noise.
STOPWORDS = frozenset(
    """的 了 和 与 及 或 是 在 对 把 被 为 有 个 这 那 哪 些 吗 呢 吧 啊 么 什么 怎么 怎样 如何 多少 几 哪些
    哪个 哪里 谁 是否 有没有 没有 是不是 请问 报告 一下 其中 中 等 并 也 都 就 将 又 还 了吗 过 呀 我 你 他
    们 我们 它 其 之 这份 这个 该 本 此 以 于 从 到 给 让 由 向 上 下 得 地 着 a an the of to in on for and or is are was
    were be been by with what which who whom how many much when where why did do does""".split()
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def word_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each jieba word of `text`, in order, covering it."""
    spans = []
    for word, start, end in _jieba().tokenize(text):
        spans.append((start, end))
    return spans


def keyword_tokens(text: str) -> list[str]:
    """Return BM25 tokens: normalised jieba search-mode words plus CJK bigrams."""
    norm = normalize_for_matching(text)
    words = [w for w in _jieba().lcut_for_search(norm) if _is_content(w)]
    return words + _cjk_bigrams(norm)


def _is_content(word: str) -> bool:
    word = word.strip()
    return bool(word) and word not in STOPWORDS and bool(_TOKEN_OK.search(word))


def _cjk_bigrams(text: str) -> list[str]:
    grams = []
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        grams.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
    return grams
