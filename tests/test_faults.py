"""Faults: builds killed at any point, two builds or saves at once, every index file
damaged, junk in the corpus. Every case ends in a correct answer or one line saying what
is wrong and how to fix it; nothing is lost; the index loads afterwards.

Builds use the fake embedder over a four-passage report (tests/conftest.py), so a build
takes milliseconds in-process; a build in a child process pays jieba's start-up (~1-2 s).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rag import (
    Config,
    CorpusError,
    IndexCorruptError,
    IndexMissingError,
    RagError,
    Retriever,
    atomic,
)
from rag import index as index_io
from rag.pipeline import build_index
from tests.conftest import SMALL_REPORT, FakeEmbedder
from tests.paths import PROJECT_ROOT

QUESTION, ANSWER = "不予行政处罚多少家", "7968家"
EXTRA = "一、新增\n\n本市新增检查电动自行车门店321家。"  # written to force a rebuild


def build(corpus: Path, index: Path) -> index_io.IndexData:
    """What `rag.build --corpus corpus --index index` does, with the fake embedder."""
    return build_index(Config(corpus_dir=corpus, index_dir=index), FakeEmbedder())


def answer(corpus: Path, index: Path, build_if_missing: bool = False) -> str:
    reply = Retriever.load(config=Config(corpus_dir=corpus, index_dir=index), embedder=FakeEmbedder(),
                           build_if_missing=build_if_missing).ask(QUESTION)
    return reply.answer.text if reply.answer else ""


def hidden(folder: Path) -> list[str]:
    """The hidden siblings of an index folder: what builds leave behind (but the staging
    folder of reports already embedded, kept on purpose for the next build to resume from)."""
    return sorted(p.name for p in folder.parent.iterdir()
                  if p.name.startswith(".") and p.name != f".{folder.name}.staging")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def assert_one_line(err: BaseException, *fragments: str) -> None:
    message = str(err)
    assert isinstance(err, RagError), repr(err)
    assert "\n" not in message and "Traceback" not in message, message
    for fragment in fragments:
        assert fragment in message, message


@pytest.fixture
def index_dir(small_corpus) -> Path:
    folder = small_corpus.parent / "index"
    build(small_corpus, folder)
    return folder


# ------------------------------------------------------------------ killed builds

# A build in a child process, killed by SIGKILL at a chosen point (the parent kills it at
# a random time when the point is "none"): no `finally`, no `except` runs.
CHILD = r"""
import os, pathlib, signal, sys
import numpy
from rag import Config
from rag.pipeline import build_index
from tests.conftest import FakeEmbedder

corpus, index, point = sys.argv[1:4]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

def on_call(n, real):
    calls = []
    def hooked(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            die()
        return real(*args, **kwargs)
    return hooked

if point == "writing-vectors":  # the second array of the new folder (sentences.npy)
    numpy.save = on_call(2, numpy.save)
elif point == "writing-manifest":
    real_write = pathlib.Path.write_text
    pathlib.Path.write_text = lambda self, *a, **k: die() if self.name == "manifest.json" else real_write(self, *a, **k)
elif point == "before-swap":
    from rag import atomic
    atomic.swap_in = die
elif point == "between-renames":  # the fallback without renameat2: old → .old-PID, new → index
    from rag import atomic
    atomic._renameat2 = None
    real_rename = os.rename
    def rename(a, b):  # dies at the second rename, the new folder's (jieba renames its cache too)
        if pathlib.Path(b) == pathlib.Path(index) and ".tmp-" in pathlib.Path(a).name:
            die()
        return real_rename(a, b)
    os.rename = rename
elif point == "after-swap":  # the new index is in place, the old one not yet deleted
    from rag import atomic
    atomic.shutil.rmtree = die
build_index(Config(corpus_dir=pathlib.Path(corpus), index_dir=pathlib.Path(index)), FakeEmbedder())
print("built")
"""


def run_child(corpus: Path, index: Path, point: str, kill_after: float | None = None) -> int:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(corpus), str(index), point], cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        child.communicate(timeout=kill_after if kill_after is not None else 120)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.communicate()  # reaped: its PID is gone, as after any kill
    return child.returncode


def check_after_kill(corpus: Path, index: Path, old: list, new_text: str) -> None:
    """The path holds the old index or the new one (never a half one, never none), it
    loads and answers; the next build removes what the killed one left and answers."""
    data = index_io.load(index)  # puts back a folder a kill between two renames left aside
    assert list(data.passages) == old or any(new_text in p.text for p in data.passages)
    assert answer(corpus, index, build_if_missing=True) == ANSWER
    build(corpus, index)
    assert hidden(index) == []
    assert answer(corpus, index) == ANSWER


@pytest.mark.parametrize("point", ["before-swap", "between-renames"])
def test_a_build_killed_in_the_swap_leaves_an_index_that_loads(small_corpus, index_dir, point):
    old = list(index_io.load(index_dir).passages)
    (small_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    assert run_child(small_corpus, index_dir, point) == -signal.SIGKILL
    if point == "between-renames":
        assert not index_dir.exists()  # the moment the issue reported: no index at the path…
        assert [n for n in hidden(index_dir) if ".old-" in n]  # …but the old one beside it
    check_after_kill(small_corpus, index_dir, old, "321家")


@pytest.mark.slow
@pytest.mark.parametrize("point", ["writing-vectors", "writing-manifest", "after-swap"])
def test_a_build_killed_while_writing_leaves_an_index_that_loads(small_corpus, index_dir, point):
    old = list(index_io.load(index_dir).passages)
    (small_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    assert run_child(small_corpus, index_dir, point) == -signal.SIGKILL
    assert hidden(index_dir), "the killed build should have left its folder behind"
    check_after_kill(small_corpus, index_dir, old, "321家")


@pytest.mark.slow
def test_builds_killed_at_random_times_never_lose_the_index(small_corpus, index_dir):
    rng = random.Random(13)
    started = time.perf_counter()
    assert run_child(small_corpus, index_dir, "none") == 0
    duration = time.perf_counter() - started
    old = list(index_io.load(index_dir).passages)
    for attempt in range(6):
        (small_corpus / "extra.txt").write_text(EXTRA + f"\n\n第{attempt}次修改。", encoding="utf-8")
        run_child(small_corpus, index_dir, "none", kill_after=rng.uniform(0.05, duration))
        data = index_io.load(index_dir)
        assert list(data.passages) == old or any("321家" in p.text for p in data.passages)
        old = list(data.passages)
    check_after_kill(small_corpus, index_dir, old, "321家")


def test_a_crash_between_the_renames_in_this_process_puts_the_old_index_back(small_corpus, index_dir,
                                                                             monkeypatch):
    monkeypatch.setattr(atomic, "_renameat2", None)
    real_rename = os.rename

    def fails_second(a, b):  # the new folder's rename, after the old one's
        if Path(b) == index_dir and ".tmp-" in Path(a).name:
            raise OSError(28, "No space left on device", str(b))
        real_rename(a, b)

    monkeypatch.setattr(os, "rename", fails_second)
    (small_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    with pytest.raises(OSError):
        build(small_corpus, index_dir)
    monkeypatch.undo()
    assert list(index_io.load(index_dir).passages) and hidden(index_dir) == []
    assert answer(small_corpus, index_dir, build_if_missing=True) == ANSWER


def test_without_renameat2_the_two_renames_still_replace_the_index(small_corpus, index_dir, monkeypatch):
    monkeypatch.setattr(atomic, "_renameat2", None)
    (small_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    build(small_corpus, index_dir)
    assert any("321家" in p.text for p in list(index_io.load(index_dir).passages))
    assert hidden(index_dir) == []


def test_the_swap_is_one_exchange_where_the_kernel_offers_it(small_corpus, index_dir, monkeypatch):
    if atomic._renameat2 is None:
        pytest.skip("no renameat2 in this C library")
    renames = []
    monkeypatch.setattr(os, "rename", lambda a, b: renames.append((a, b)))
    (small_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    build(small_corpus, index_dir)
    assert renames == []  # the exchange did it: the path was never without an index
    assert any("321家" in p.text for p in list(index_io.load(index_dir).passages))


class TestLeftovers:
    """Hidden `.index.tmp-PID-…` / `.index.old-PID-…` folders of killed builds."""

    def dead_pid(self) -> int:
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        return child.pid

    def make(self, index: Path, kind: str, pid: int, files=("vectors.npy",)) -> Path:
        folder = index.parent / f".{index.name}.{kind}-{pid}-0badc0de"
        folder.mkdir()
        for name in files:
            (folder / name).write_bytes(b"half written")
        return folder

    def test_those_of_dead_builds_are_removed_by_the_next_build(self, small_corpus, index_dir):
        pid = self.dead_pid()
        self.make(index_dir, "tmp", pid)
        self.make(index_dir, "old", pid, ("manifest.json", "passages.sqlite"))
        build(small_corpus, index_dir)
        assert hidden(index_dir) == []

    def test_those_of_live_processes_and_those_holding_other_files_stay(self, small_corpus, index_dir):
        live = self.make(index_dir, "tmp", os.getppid())  # a build still writing
        mine = self.make(index_dir, "tmp", os.getpid())  # a build of another thread of this process
        foreign = self.make(index_dir, "tmp", self.dead_pid(), ("notes.docx",))  # not an index's folder
        build(small_corpus, index_dir)
        assert live.is_dir() and mine.is_dir() and (foreign / "notes.docx").read_bytes() == b"half written"


# ------------------------------------------------------------------ two at once

def test_three_saves_at_the_same_instant_never_fail(small_corpus, index_dir):
    data = index_io.load(index_dir)
    errors = []
    for _ in range(40):
        start = threading.Barrier(3)

        def save(start=start):
            start.wait()
            try:
                index_io.save(index_dir, data)
            except Exception as err:  # noqa: BLE001 — any failure is what this test looks for
                errors.append(err)

        threads = [threading.Thread(target=save) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert list(index_io.load(index_dir).passages) == list(data.passages)
    assert hidden(index_dir) == []


def test_loads_during_saves_never_see_half_of_one_index_and_half_of_another(small_corpus, index_dir):
    first = index_io.load(index_dir)
    (small_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    second = build(small_corpus, index_dir)
    stop, errors, loads = threading.Event(), [], [0]

    def keep_saving():
        for i in range(30):
            index_io.save(index_dir, first if i % 2 else second)
        stop.set()

    def keep_loading():
        while not stop.is_set():
            try:
                got = list(index_io.load(index_dir).passages)
                assert got in (list(first.passages), list(second.passages))
                loads[0] += 1
            except Exception as err:  # noqa: BLE001 — any failure is what this test looks for
                errors.append(err)

    threads = [threading.Thread(target=keep_saving), threading.Thread(target=keep_loading)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and loads[0] > 0


@pytest.mark.slow
def test_two_builds_in_two_processes_at_once_both_succeed(small_corpus, index_dir):
    (small_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(small_corpus), str(index_dir), "none"],
                                 cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [c.returncode for c in children] == [0, 0], outputs
    assert any("321家" in p.text for p in list(index_io.load(index_dir).passages))
    assert hidden(index_dir) == []
    assert answer(small_corpus, index_dir) == ANSWER


# ------------------------------------------------------------------ damaged files

def _flip_middle(data: bytes) -> bytes:
    i = len(data) // 2
    return data[:i] + bytes([data[i] ^ 0x55]) + data[i + 1:]


DAMAGES = {
    "deleted": None,
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "one byte flipped": _flip_middle,
    "junk appended": lambda b: b + b"\x00junk",
    "NUL bytes": lambda b: b"\x00" * len(b),
    "random bytes": lambda b: random.Random(len(b)).randbytes(len(b)),
}
# Every file a format-3 index of the small report holds (it is too small for passages.ivf).
FILES = ["manifest.json", *sorted(index_io.REQUIRED_FILES)]


def _manifest_edit(change):
    def edit(data: bytes) -> bytes:
        manifest = json.loads(data)
        change(manifest)
        return json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    return edit


def _with_own_checksum(change):
    """An edit that also recomputes the manifest's own checksum, as a careful forger would."""
    def edit(manifest: dict) -> None:
        change(manifest)
        manifest[index_io.CHECKSUM] = index_io._manifest_checksum(manifest)
    return _manifest_edit(edit)


MANIFEST_DAMAGES = {
    "no files": _manifest_edit(lambda m: m.pop("files")),
    "files a list": _manifest_edit(lambda m: m.update(files=list(m["files"]))),
    "files a string": _manifest_edit(lambda m: m.update(files="all good")),
    "files null": _manifest_edit(lambda m: m.update(files=None)),
    "a record not a mapping": _manifest_edit(lambda m: m["files"].update({"passages.sqlite": 5})),
    "a checksum not a string": _manifest_edit(lambda m: m["files"]["vectors.npy"].update(sha256=5)),
    "rows unlisted": _manifest_edit(lambda m: m["files"].pop("passages.sqlite")),
    "words unlisted": _manifest_edit(lambda m: m["files"].pop("words.sqlite")),
    "a path outside": _manifest_edit(
        lambda m: m["files"].update({"../corpus/report.txt": {"size": 1, "sha256": "0" * 64}})),
    "a size edited": _manifest_edit(lambda m: m["files"]["vectors.npy"].update(size=1)),
    "a report's rows edited": _manifest_edit(lambda m: m["rows"].update({"report.txt": [0, 1]})),
    "own checksum removed": _manifest_edit(lambda m: m.pop(index_io.CHECKSUM)),
    "a shape edited, checksum redone": _with_own_checksum(
        lambda m: m["files"]["vectors.npy"].update(shape=[1, m["dim"]])),
    "passage count edited, checksum redone": _with_own_checksum(lambda m: m.update(n_passages=1)),
    "a JSON list": lambda b: b"[1, 2, 3]",
    "deeply nested": lambda b: b"[" * 100000 + b"]" * 100000,
    "another format": _manifest_edit(lambda m: m.update(format_version=99)),
    "not UTF-8": lambda b: b"\xff\xfe" + b,
}
CASES = [(name, damage) for name in FILES for damage in DAMAGES] + \
        [("manifest.json", damage) for damage in MANIFEST_DAMAGES]


def damage_file(path: Path, damage: str) -> None:
    change = DAMAGES.get(damage) or MANIFEST_DAMAGES.get(damage) or LARGE_DAMAGES.get(damage)
    if change is None:
        path.unlink()
    else:
        path.write_bytes(change(path.read_bytes()))


@pytest.mark.parametrize("name, damage", CASES, ids=[f"{n}: {d}" for n, d in CASES])
def test_a_damaged_index_file_ends_in_one_line_or_a_correct_answer(small_corpus, index_dir, name, damage):
    damage_file(index_dir / name, damage)
    before = snapshot(index_dir)
    try:
        got = answer(small_corpus, index_dir, build_if_missing=True)
    except RagError as err:
        assert_one_line(err, "python -m rag.build --index")
        assert isinstance(err, IndexCorruptError), repr(err)
        assert snapshot(index_dir) == before  # refused, and left as it was to look at
    else:
        # Only no index at all is built anew: a missing manifest, or one written before
        # manifests carried their own checksum (an older version's index, updated).
        assert (name, damage) in {("manifest.json", "deleted"), ("manifest.json", "own checksum removed")}
        assert got == ANSWER
        return
    build(small_corpus, index_dir)  # what the message says to run
    assert answer(small_corpus, index_dir) == ANSWER
    assert hidden(index_dir) == []
    index_io.verify(index_dir)  # every file whole again


# Large files (past HASHED_ON_OPEN: an archive's vectors, postings and rows) are checked on
# open by size and header, not hashed; `verify` and every build hash them.
def _retype(data: bytes) -> bytes:
    """Rewrite an array's header to the other byte order: same size, other values."""
    assert b"'descr': '<" in data[:128]
    return data.replace(b"'descr': '<", b"'descr': '>", 1)


LARGE_DAMAGES = {
    "truncated": DAMAGES["truncated"],
    "junk appended": DAMAGES["junk appended"],
    "NUL bytes": DAMAGES["NUL bytes"],
    "header: another dtype": _retype,
}
LARGE = ["vectors.npy", "sentences.npy", "sentence_owner.npy", "postings_docs.npy", "postings_tf.npy",
         "terms.npy", "passages.sqlite"]
LARGE_CASES = [(name, damage) for name in LARGE for damage in LARGE_DAMAGES
               if not (name.endswith(".sqlite") and damage.startswith("header"))]


@pytest.mark.parametrize("name, damage", LARGE_CASES, ids=[f"{n}: {d}" for n, d in LARGE_CASES])
def test_a_damaged_large_file_is_refused_on_open_by_its_size_or_header(small_corpus, index_dir, monkeypatch,
                                                                      name, damage):
    monkeypatch.setattr(index_io, "HASHED_ON_OPEN", 0)  # as if every file were an archive's
    damage_file(index_dir / name, damage)
    before = snapshot(index_dir)
    with pytest.raises(IndexCorruptError) as caught:
        answer(small_corpus, index_dir, build_if_missing=True)
    assert_one_line(caught.value, name, "python -m rag.build --index")
    assert snapshot(index_dir) == before
    build(small_corpus, index_dir)
    assert answer(small_corpus, index_dir) == ANSWER
    index_io.verify(index_dir)


@pytest.mark.parametrize("name", LARGE)
def test_a_flipped_byte_inside_a_large_file_is_found_by_verify_and_never_carried_into_a_build(
        small_corpus, index_dir, monkeypatch, name):
    monkeypatch.setattr(index_io, "HASHED_ON_OPEN", 0)
    data = (index_dir / name).read_bytes()  # the last byte: data, not a header
    (index_dir / name).write_bytes(data[:-1] + bytes([data[-1] ^ 0x55]))
    index_io.load(index_dir)  # what opening does not see: the cost of not hashing an archive's arrays
    with pytest.raises(IndexCorruptError) as caught:
        index_io.verify(index_dir)
    assert_one_line(caught.value, f"{name} does not match its checksum", "python -m rag.build --index")
    build(small_corpus, index_dir)  # the corpus is unchanged, yet nothing of the damaged index is kept
    index_io.verify(index_dir)
    assert answer(small_corpus, index_dir) == ANSWER


@pytest.mark.parametrize("page", [1, 2])
def test_damaged_pages_inside_a_large_passage_table_end_in_one_line(small_corpus, index_dir, monkeypatch, page):
    """Past HASHED_ON_OPEN the table is not hashed on open: a page SQLite cannot read, met
    while opening or while answering, is one line saying to rebuild, never a traceback."""
    monkeypatch.setattr(index_io, "HASHED_ON_OPEN", 0)
    path = index_dir / "passages.sqlite"
    data = path.read_bytes()
    size = 4096  # SQLite's default page size; the file's header (page 0) is kept
    path.write_bytes(data[:page * size] + b"\xff" * size + data[(page + 1) * size:])
    assert path.stat().st_size == len(data)
    with pytest.raises(IndexCorruptError) as caught:
        answer(small_corpus, index_dir)
    assert_one_line(caught.value, "passages.sqlite", "python -m rag.build --index")


def test_the_cli_verifies_every_file_in_one_line(small_corpus, index_dir):
    from tests.test_cli import assert_one_line_error, run

    result = run("rag.build", "--verify", "--index", str(index_dir))
    assert result.returncode == 0 and "is whole" in result.stdout, result
    damage_file(index_dir / "vectors.npy", "one byte flipped")
    result = run("rag.build", "--verify", "--index", str(index_dir))
    assert_one_line_error(result, "vectors.npy does not match its checksum", "python -m rag.build --index")


def test_an_edited_passage_table_is_refused_even_without_checksums(small_corpus, index_dir):
    """Bug: a manifest without `files` skipped every checksum, so an edited passage table was
    served (答：9999家)."""
    db = sqlite3.connect(index_dir / "passages.sqlite")
    db.execute("UPDATE passages SET text = replace(text, '7968家', '9999家')")
    db.commit()
    db.close()
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"]
    (index_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexCorruptError) as caught:
        answer(small_corpus, index_dir)
    assert_one_line(caught.value, "manifest.json has no checksums", "python -m rag.build --index")


def test_an_edited_passage_table_with_its_manifest_intact_is_refused(small_corpus, index_dir):
    db = sqlite3.connect(index_dir / "passages.sqlite")
    db.execute("UPDATE passages SET text = replace(text, '7968家', '9999家')")  # same size
    db.commit()
    db.close()
    with pytest.raises(IndexCorruptError) as caught:
        answer(small_corpus, index_dir)
    assert_one_line(caught.value, "passages.sqlite does not match its checksum")


def test_a_manifest_whose_files_is_not_a_mapping_is_one_line_in_the_cli(small_corpus, index_dir):
    from tests.test_cli import assert_one_line_error, run

    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(files=["vectors.npy"], model="intfloat/multilingual-e5-small")
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = snapshot(index_dir)
    result = run("rag.ask", QUESTION, "--corpus", str(small_corpus), "--index", str(index_dir))
    assert_one_line_error(result, "damaged", '"files" is not a mapping', "python -m rag.build --index")
    assert snapshot(index_dir) == before


def test_a_missing_index_folder_is_one_line(small_corpus, tmp_path):
    with pytest.raises(IndexMissingError) as caught:
        answer(small_corpus, tmp_path / "nothing-here")
    assert_one_line(caught.value, "python -m rag.build --index")


# ------------------------------------------------------------------ junk in the corpus

JUNK = {
    "NUL bytes": b"\x00" * 4096,
    "random bytes": random.Random(7).randbytes(4096),
    "control characters": bytes(range(1, 9)) * 512,
    "a text with NULs inside": SMALL_REPORT.encode("utf-8") + b"\x00\x00\x00",
}


@pytest.mark.parametrize("junk", JUNK, ids=list(JUNK))
def test_a_junk_file_in_the_corpus_is_refused_with_one_line_naming_it(small_corpus, tmp_path, junk):
    (small_corpus / "junk.txt").write_bytes(JUNK[junk])
    with pytest.raises(CorpusError) as caught:
        answer(small_corpus, tmp_path / "index", build_if_missing=True)
    assert_one_line(caught.value, "junk.txt")
    assert not (tmp_path / "index").exists()


def test_the_cli_names_a_nul_file_in_one_line(small_corpus, tmp_path):
    from tests.test_cli import assert_one_line_error, run

    (small_corpus / "zeros.txt").write_bytes(b"\x00" * 1000)
    result = run("rag.build", "--corpus", str(small_corpus), "--index", str(tmp_path / "index"))
    assert_one_line_error(result, "zeros.txt", "not a text report")
    assert not (tmp_path / "index").exists()


def test_a_report_with_tabs_form_feeds_and_windows_line_ends_is_text(small_corpus, tmp_path):
    text = SMALL_REPORT.replace("\n", "\r\n").replace("一、总体情况", "\f一、总体情况\t")
    (small_corpus / "report.txt").write_bytes(text.encode("utf-8"))
    assert answer(small_corpus, tmp_path / "index", build_if_missing=True) == ANSWER
