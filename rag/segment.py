"""Chinese word segmentation (jieba), in one place.

Gives word spans for the chunker (so cuts fall between words), keyword tokens for
BM25 (words plus character bigrams, which keep a one-character typo from losing the
whole word) and part-of-speech tags for persons' names. Every pass of jieba over a
text goes through `cut` or `tagged_words`: a question is cut once (rag.query), and
its search-mode words are derived from that one pass exactly as jieba derives them.

Loading jieba's dictionary takes most of a second. jieba's cut of a text reads only the
dictionary entries of the text's own substrings (and the total count), so a question is
cut with a tokenizer whose dictionary is looked up in a table of the index folder
(`words.sqlite`, written at build from jieba's own dictionary): the same words, without
loading 350,000 entries. Building, and tagging a person's name, load jieba whole.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import re
import shutil
import sqlite3
import sys
import threading
import types
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from .normalize import normalize_for_matching

# Function words and question words that carry no topic: matching them only adds noise.
STOPWORDS = frozenset(
    """的 了 和 与 及 或 是 在 对 把 被 为 有 个 这 那 哪 些 吗 呢 吧 啊 么 什么 怎么 怎样 如何 多少 几 哪些
    哪个 哪里 谁 是否 有没有 没有 是不是 请问 报告 一下 其中 中 等 并 也 都 就 将 又 还 了吗 过 呀 我 你 他
    们 我们 它 其 之 这份 这个 该 本 此 以 于 从 到 给 让 由 向 上 下 得 地 着 a an the of to in on for and or is are was
    were be been by with what which who whom how many much when where why did do does""".split()
)

# Words that point at something the question describes (那个平台叫什么): no report writes them
# beside what they point at, so a question's words never include them (the reports' words
# may: a passage's tokens are its own).
DEMONSTRATIVES = frozenset("那个 这个 那些 这些 那项 这项 那家 这家 那座 这座 那条 这条 那位 这位 那种 这种 该".split())


@lru_cache(maxsize=1)
def _jieba():
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _import_jieba():
    """Import jieba with its HMM (jieba.finalseg, which reads a run of characters its
    dictionary does not know) imported when a cut first needs it: its tables take 15-20 ms
    to import, and most questions' words are all in the dictionary (不予行政处罚多少家)."""
    if "jieba" not in sys.modules:
        sys.modules.setdefault("jieba.finalseg", _HmmOnFirstUse("jieba.finalseg"))
    import jieba

    return jieba


class _HmmOnFirstUse(types.ModuleType):
    """Stands in for jieba.finalseg in jieba's namespace until one of its functions is used
    (finalseg.cut, add_force_split): then the real module is imported, and replaces it in
    sys.modules and as jieba.finalseg, so later cuts call it directly."""

    def __getattr__(self, name: str):
        if name.startswith("__"):  # the import system's probes: no reason to load the tables
            raise AttributeError(name)
        return getattr(_real_finalseg(), name)


_finalseg_lock = threading.Lock()


def _real_finalseg():
    with _finalseg_lock:
        module = sys.modules.get("jieba.finalseg")
        if isinstance(module, _HmmOnFirstUse):
            del sys.modules["jieba.finalseg"]
            module = importlib.import_module("jieba.finalseg")  # sets jieba.finalseg too
        return module


_word_table: list[Path] = []  # the table a question's tokenizer reads, set by `use_word_table`


def use_word_table(path: Path) -> None:
    """Cut questions with the dictionary table at `path` (rag.opening sets the index's)
    until jieba's whole dictionary is loaded for something else."""
    _word_table[:] = [Path(path)] if Path(path).is_file() else []


def _tokenizer():
    """Return jieba's tokenizer when loaded, else one reading the word table."""
    if _jieba.cache_info().currsize or not _word_table:
        return _jieba().dt
    return _table_tokenizer(_word_table[0])


@lru_cache(maxsize=4)
def _table_tokenizer(path: Path):
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    table = _WordTable(path)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = table, table.total, True
    return tokenizer


class _WordTable:
    """jieba's dictionary (words and their prefixes → count) as jieba reads it: `in`, `[]`,
    `get`, each entry read from SQLite on first use and remembered."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._seen: dict[str, int | None] = {}
        self.total = int(self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()[0])

    def _look_up(self, word: str) -> int | None:
        if word not in self._seen:
            with self._lock:
                row = self._db.execute("SELECT freq FROM words WHERE word = ?", (word,)).fetchone()
            self._seen[word] = row[0] if row else None
        return self._seen[word]

    def __contains__(self, word: str) -> bool:
        return self._look_up(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self._look_up(word)
        if found is None:
            raise KeyError(word)
        return found

    def get(self, word: str, default=None):
        found = self._look_up(word)
        return default if found is None else found


def write_word_table(path: Path, previous: Path | None = None) -> None:
    """Write jieba's dictionary as a table at `path`: a copy of `previous` or of the per-user
    cache's when written from the same dictionary, else made from jieba's (≈2 s, once)."""
    jieba = _jieba()
    signature = f"{jieba.__version__}:{len(jieba.dt.FREQ)}:{jieba.dt.total}"
    cached = _cache_folder() / f"jieba-words-{hashlib.sha256(signature.encode()).hexdigest()[:16]}.sqlite"
    for candidate in (previous, cached):
        if candidate is not None and _signature(candidate) == signature:
            shutil.copyfile(candidate, path)
            return
    _make_word_table(path, jieba.dt, signature)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".tmp-{os.getpid()}")
        shutil.copyfile(path, tmp)
        os.replace(tmp, cached)
    except OSError:
        pass  # no cache: the next build makes the table again


def _make_word_table(path: Path, tokenizer, signature: str) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.executemany("INSERT INTO words VALUES (?, ?)", tokenizer.FREQ.items())
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("total", str(tokenizer.total)), ("signature", signature)])
        db.commit()
    finally:
        db.close()


def _signature(path: Path) -> str | None:
    if not Path(path).is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "baogao"


def cut(text: str) -> list[str]:
    """Return jieba's words of `text` (default mode, with its HMM), in order, covering it."""
    return _tokenizer().lcut(text)


@lru_cache(maxsize=2048)
def tagged_words(text: str) -> tuple[tuple[str, str], ...]:
    """Return (word, part-of-speech flag) pairs of `text`, in order, covering it. Kept for
    the texts last tagged: the answer step tags the same top passages for every question
    asking for a person or a name, and tagging takes milliseconds a passage."""
    import jieba.posseg as posseg

    _jieba()
    return tuple((pair.word, pair.flag) for pair in posseg.cut(text))


def dictionary_tags(words: Iterable[str]) -> dict[str, str]:
    """Return jieba's dictionary part-of-speech tag of each word it knows (at build time:
    stored with the index, so a question needs no tagging pass)."""
    words = list(words)
    if not words:  # an update that brings no new words does not load the tag table (seconds)
        return {}
    import jieba.posseg as posseg

    _jieba()
    table = posseg.dt.word_tag_tab
    return {w: table[w] for w in words if w in table}


def dictionary_tag(word: str) -> str:
    """Return jieba's dictionary tag of any word, "" when the dictionary lacks it: for the
    words of a question that the reports do not use, whose tags the index does not hold
    (亏了 and 砍掉 are verbs, not nouns of which a report might fail to speak). Read entry
    by entry from a table of the per-user cache (rag.lookup), not by loading the tagger."""
    return _tag_table().get(word) or ""


@lru_cache(maxsize=1)
def _tag_table() -> dict[str, str | None]:
    from .lookup import stored_table

    spec = importlib.util.find_spec("jieba")
    dictionary = Path(spec.submodule_search_locations[0]) / "dict.txt"
    return stored_table("jieba-tags", [dictionary], lambda: _tag_rows(dictionary))


def _tag_rows(dictionary: Path) -> list[tuple[str, str]]:
    """Return (word, tag) of each line of jieba's dictionary ("word count tag")."""
    rows = []
    with open(dictionary, encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 3:
                rows.append((parts[0], parts[2]))
    return rows


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
    freq = _tokenizer().FREQ
    out = []
    for w in words:
        if len(w) > 2:
            out += [w[i : i + 2] for i in range(len(w) - 1) if freq.get(w[i : i + 2])]
        if len(w) > 3:
            out += [w[i : i + 3] for i in range(len(w) - 2) if freq.get(w[i : i + 3])]
        out.append(w)
    return out


class ShortForm(str):
    """A one-character-shorter form of a question's word (总产 of 总产量): found in a text only
    where it does not run on into a longer dictionary word (总产值)."""


def shorter_forms(word: str) -> list[ShortForm]:
    """Return the dictionary words one character shorter that a word of three or more
    characters holds at either end (总产量 → 总产, 产量): reports write 粮食总产1142亿斤 for the
    总产量 a question asks about. A rate is another figure than what it is the rate of:
    合格率 is not shortened to 合格, nor 收入比 to 收入."""
    if len(word) < 3:
        return []
    return [ShortForm(p) for p in search_words([word]) if len(p) == len(word) - 1
            and (word.endswith(p) or (word.startswith(p) and word[-1] not in "率比"))]


def renamed(word: str) -> list[str]:
    """Return the other official names of what a word names: 市场主体 became 经营主体 in the
    documents of 2023 on, so a question in either name asks about both."""
    return [other for names in _RENAMED if word in names for other in names if other != word]


_RENAMED = (("市场主体", "经营主体"),)


class Abbreviated(str):
    """A noun phrase of a question, its words in `parts` (国家 高新技术 企业), that stands for
    each of them: a text holds it when it holds the phrase or an abbreviation of it."""

    parts: tuple[str, ...]

    def __new__(cls, parts: tuple[str, ...]):
        phrase = super().__new__(cls, "".join(parts))
        phrase.parts = tuple(parts)
        return phrase


def holds_form(text: str, form: str) -> bool:
    """Tell whether `text` holds a word's form: anywhere for the word itself, for a
    ShortForm only where the next character does not make it a longer word, and for an
    Abbreviated phrase also as an abbreviation (国高企业)."""
    if isinstance(form, Abbreviated):
        return form in text or holds_abbreviation(text, form.parts)
    return form in text if not isinstance(form, ShortForm) else _holds_unextended(text, form, both_sides=False)


def holds_abbreviation(text: str, parts: Sequence[str]) -> bool:
    """Tell whether `text` writes a noun phrase the way reports shorten one: some characters
    of each of its words, in order, starting with the phrase's first character and ending
    with its last, at least three, and not a piece of the phrase itself (国高企业 for 国家
    高新技术企业, 规上工业 for 规模以上工业, 社零总额 for 社会消费品零售总额). The last word, the
    head, is written whole, from its first character or by one character: 管道气 for 管道天然气,
    but 货物贸易出口 writes 出口, a word of its own, and is exports, not 货物贸易进出口."""
    phrase = "".join(parts)
    if len(parts) < 2 or len(phrase) < 4:
        return False
    owner = [k for k, part in enumerate(parts) for _ in part]  # which word each character is of
    head = len(phrase) - len(parts[-1])
    start = text.find(phrase[0])
    while start >= 0:
        at, used, of_head = 0, set(), []
        for end in range(start, min(len(text), start + len(phrase) - 1)):
            found = phrase.find(text[end], at)
            if found < 0:
                break
            used.add(owner[found])
            if found >= head:
                of_head.append(found)
            at = found + 1
            written = text[start : end + 1]
            if (at == len(phrase) and len(written) >= 3 and len(used) == len(parts)
                    and written not in phrase and (of_head[0] == head or len(of_head) == 1)):
                return True
        start = text.find(phrase[0], start + 1)
    return False


def stands_alone(text: str, word: str) -> bool:
    """Tell whether `text` holds `word` somewhere not inside a longer dictionary word that
    begins or ends one character around it (出口 in 其中出口3900亿元, not in 进出口)."""
    return _holds_unextended(text, word, both_sides=True)


def _holds_unextended(text: str, word: str, both_sides: bool) -> bool:
    """Tell whether `text` holds `word` at a place where the character after it (and, with
    `both_sides`, the one before it) does not make a longer dictionary word: two dictionary
    entries per place, not a cut of the text."""
    freq = _tokenizer().FREQ
    at = text.find(word)
    while at != -1:
        before = text[at - 1 : at] if both_sides and at else ""
        after = text[at + len(word) : at + len(word) + 1]
        if not (before and freq.get(before + word)) and not (after and freq.get(word + after)):
            return True
        at = text.find(word, at + 1)
    return False


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
    return bool(word) and word not in STOPWORDS and (has_word_character(word) or "%" in word)


def has_word_character(text: str) -> bool:
    r"""Tell whether `text` holds a letter, a digit, "_" or a CJK character: what
    re.search(r"[\w\u3400-\u9fff]", text) tells (\w being str.isalnum() or "_"), without
    compiling a character class over the CJK range, which cost a cold question 3-4 ms a
    pattern."""
    return any(c.isalnum() or c == "_" or "\u3400" <= c <= "\u9fff" for c in text)


def _cjk_bigrams(text: str) -> list[str]:
    grams = []
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        grams.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
    return grams
