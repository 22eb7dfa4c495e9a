"""Chinese word segmentation (jieba), in one place.

Gives word spans for the chunker (so cuts fall between words), keyword tokens for
BM25 (words plus character bigrams, which keep a one-character typo from losing the
whole word) and part-of-speech tags for persons' names. Every pass of jieba over a
text goes through `cut` or `tagged_words`: a question is cut once (rag.query), and
its search-mode words are derived from that one pass exactly as jieba derives them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
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


def cut(text: str) -> list[str]:
    """Return jieba's words of `text` (default mode, with its HMM), in order, covering it."""
    return _jieba().lcut(text)


def tagged_words(text: str) -> list[tuple[str, str]]:
    """Return (word, part-of-speech flag) pairs of `text`, in order, covering it."""
    import jieba.posseg as posseg

    _jieba()
    return [(pair.word, pair.flag) for pair in posseg.cut(text)]


def dictionary_tags(words: Iterable[str]) -> dict[str, str]:
    """Return jieba's dictionary part-of-speech tag of each word it knows (at build time:
    stored with the index, so a question needs no tagging pass)."""
    import jieba.posseg as posseg

    _jieba()
    table = posseg.dt.word_tag_tab
    return {w: table[w] for w in words if w in table}


def word_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each jieba word of `text`, in order, covering it."""
    spans, pos = [], 0
    for word in cut(text):
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def search_words(words: list[str]) -> list[str]:
    """Return jieba's search-mode words from its default-mode `words`: the dictionary's
    two- and three-character pieces of each longer word, then the word (as
    jieba's own cut_for_search does, without a second pass over the text)."""
    freq = _jieba().dt.FREQ
    out = []
    for w in words:
        if len(w) > 2:
            out += [w[i : i + 2] for i in range(len(w) - 1) if freq.get(w[i : i + 2])]
        if len(w) > 3:
            out += [w[i : i + 3] for i in range(len(w) - 2) if freq.get(w[i : i + 3])]
        out.append(w)
    return out


def keyword_tokens(text: str) -> list[str]:
    """Return BM25 tokens: normalised jieba search-mode words plus CJK bigrams."""
    norm = normalize_for_matching(text)
    return tokens_of(norm, cut(norm))


def tokens_of(norm: str, words: list[str]) -> list[str]:
    """Return the BM25 tokens of a normalised text whose default-mode words are `words`."""
    return [w for w in search_words(words) if _is_content(w)] + _cjk_bigrams(norm)


def is_content(word: str) -> bool:
    """Tell whether a word says something: not blank, not a stop word, not punctuation."""
    return _is_content(word)


def _is_content(word: str) -> bool:
    word = word.strip()
    return bool(word) and word not in STOPWORDS and bool(_TOKEN_OK.search(word))


def _cjk_bigrams(text: str) -> list[str]:
    grams = []
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        grams.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
    return grams
