"""Open and ask cost against the size of the archive, on synthetic archives (not a test:
timings are noisy; run it on a quiet machine and read medians).

    python benchmarks/archive.py --reports 1000 [--dim 384] [--runs 5] [--folder DIR]

An archive of N reports is the seed report copied with another city, years and figures
(each replaced by one of the same length, so passages are cut where the seed's are). Its
index is written directly, not built: passages and keyword tokens are the seed's with the
same replacements, and the passage and sentence vectors are stand-ins (random unit vectors
seeded by the text) named as the default model, so that `rag.ask` embeds the question with
the real model against vectors of the real size (--dim 384). With another --dim, questions
are embedded by a stand-in too.

Printed, one JSON object: writing the index, open (`Retriever.load` in a new process), cold
`python -m rag.ask` (wall, peak RSS; median of --runs), warm `ask` p50/p95 over the first 60
evaluation questions (with the question's embedding) and the peak RSS of that process, and
adding one report with the real model (`Retriever.add`; --dim 384 only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "data" / "shanghai-samr-2023-rule-of-law-report.txt"
QUESTION = "不予行政处罚多少家"
CITIES = ("北京市 天津市 重庆市 杭州市 南京市 成都市 武汉市 西安市 苏州市 长沙市 郑州市 沈阳市 青岛市 宁波市 无锡市 "
          "合肥市 济南市 福州市 厦门市 昆明市 南宁市 贵阳市 太原市 石家庄 兰州市 海口市 银川市 西宁市 拉萨市 大连市").split()


class Copy:
    """The replacements that make report i from the seed: a city, a shift of years, figures."""

    def __init__(self, i: int):
        self.city = CITIES[i % len(CITIES)]
        self.shift = (i // len(CITIES)) % 8 - 4
        rng = np.random.default_rng(i)
        self.digits = str.maketrans("0123456789", "0" + "".join(map(str, rng.permutation(9) + 1)))

    def __call__(self, text: str) -> str:
        text = text.replace("上海市", self.city).replace("上海", self.city[:2])
        return re.sub(r"\d+", self._number, text)

    def _number(self, m: re.Match) -> str:
        s = m.group()
        if len(s) == 4 and s.startswith("20"):
            return str(int(s) + self.shift)
        return s.translate(self.digits)


def stand_in(texts: list[str], dim: int) -> np.ndarray:
    """Random unit vectors, one per text, seeded by the text (the same text, the same vector)."""
    out = np.empty((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        out[row] = np.random.default_rng(zlib.crc32(text.encode("utf-8"))).standard_normal(dim)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def make_archive(folder: Path, n_reports: int, dim: int) -> dict:
    """Write a corpus of n_reports copies and its index; return what it took."""
    from rag import DEFAULT_MODEL
    from rag import index as index_io
    from rag.chunk import chunk_report
    from rag.document import Document
    from rag.identity import identify
    from rag.keyword import BM25
    from rag.load import corpus_states, states_hash
    from rag.passage import Passage
    from rag.pipeline import passage_sentences
    from rag.segment import dictionary_tags, keyword_tokens

    started = time.perf_counter()
    corpus, index = folder / "corpus", folder / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    seed = SEED.read_text(encoding="utf-8")
    passages = chunk_report(seed, SEED.name, 300)
    tokens = [keyword_tokens(p.match_text()) for p in passages]
    sentence_texts, owner = passage_sentences(passages)
    rows, all_tokens, vectors, sentences, owners, ranges, reports, documents = [], [], [], [], [], {}, {}, {}
    identities: dict[tuple, dict] = {}
    for i in range(n_reports):
        copy, name = Copy(i), f"report-{i:05d}.txt"
        text = copy(seed)
        assert len(text) == len(seed)
        (corpus / name).write_text(text, encoding="utf-8")
        documents[name] = Document(text, "txt")  # the text as read, stored with the index as a build does
        mine = [Passage(copy(p.text), name, p.start, p.end, tuple(copy(h) for h in p.heading_path), copy(p.context))
                for p in passages]
        ranges[name] = [len(rows), len(rows) + len(mine)]
        owners.append(owner + len(rows))
        rows += mine
        all_tokens += [[copy(t) for t in doc] for doc in tokens]
        vectors.append(stand_in([p.match_text() for p in mine], dim))
        sentences.append(stand_in([copy(s) for s in sentence_texts], dim))
        key = (copy.city, copy.shift)
        if key not in identities:
            identities[key] = identify(name, text, {}).to_dict()
        reports[name] = identities[key]
    states = corpus_states(corpus, {})
    keywords = BM25.of(all_tokens)
    manifest = {"format_version": index_io.FORMAT_VERSION, "model": DEFAULT_MODEL if dim == 384 else "stand-in",
                "dim": dim, "corpus_hash": states_hash(states), "sources": sorted(ranges), "reports": reports,
                "corpus": states, "rows": ranges, "settings": index_io.index_settings(300), "built_at": "synthetic"}
    data = index_io.IndexData(manifest, rows, np.concatenate(vectors), np.concatenate(sentences),
                              np.concatenate(owners), keywords,
                              dictionary_tags(w for w in keywords.vocabulary if not w.startswith("#")),
                              documents=documents)
    index_io.save(index, data)
    return {"reports": n_reports, "passages": len(rows), "sentences": int(sum(len(s) for s in sentences)),
            "write_s": round(time.perf_counter() - started, 1),
            "search": json.loads((index / "manifest.json").read_text(encoding="utf-8"))["search"]}


def tile_archive(folder: Path, source: Path, times: int, dim: int) -> dict:
    """Write an archive of `times` copies of the archive at `source` (its corpus files linked,
    its rows, tokens and identities repeated under new names) with new stand-in vectors of
    `dim` dimensions: how the 10,000-report figures are made without chunking 10,000 copies."""
    from rag import index as index_io
    from rag.keyword import merge_postings
    from rag.load import file_state, states_hash
    from rag.passage import Passage

    started = time.perf_counter()
    old = index_io.load(source / "index")
    corpus, index = folder / "corpus", folder / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    base_rows = list(old.passages)
    n, m = len(base_rows), len(old.sentence_vectors)
    rng = np.random.default_rng(0)
    rows, ranges, reports, states, documents = [], {}, {}, {}, {}
    for t in range(times):
        rename = {name: f"t{t:02d}-{name}" for name in old.manifest["rows"]}
        for name, new in rename.items():
            os.link(source / "corpus" / name, corpus / new)
            lo, hi = old.manifest["rows"][name]
            ranges[new] = [lo + t * n, hi + t * n]
            reports[new] = dict(old.manifest["reports"][name])
            states[new] = dict(file_state(corpus, new), sha256=old.manifest["corpus"][name]["sha256"])
            documents[new] = old.documents[name]
        rows += [Passage(p.text, rename[p.source], p.start, p.end, p.heading_path, p.context) for p in base_rows]

    def unit(count: int) -> np.ndarray:
        v = rng.standard_normal((count, dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    owner = np.concatenate([np.asarray(old.sentence_owner) + t * n for t in range(times)])
    keywords = merge_postings([(old.keywords, np.arange(n))] * times)
    manifest = dict(old.manifest, model="stand-in", dim=dim, corpus_hash=states_hash(states), sources=sorted(ranges),
                    reports=reports, corpus=states, rows=ranges)
    manifest = {k: v for k, v in manifest.items() if k not in ("search", "files", "n_passages", "n_sentences")}
    tags = old.passages.tags(w for w in old.keywords.vocabulary if not w.startswith("#"))
    data = index_io.IndexData(manifest, rows, unit(n * times), unit(m * times), owner, keywords, tags,
                              documents=documents)
    index_io.save(index, data)
    return {"reports": len(ranges), "passages": len(rows), "sentences": m * times,
            "write_s": round(time.perf_counter() - started, 1),
            "search": json.loads((index / "manifest.json").read_text(encoding="utf-8"))["search"]}


def child(args: list[str]) -> tuple[float, float, str]:
    """Run this script (or a module) in a new process: (wall s, peak RSS MB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read().decode("utf-8")
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed with status {status}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, out


def retriever(folder: Path, dim: int):
    from rag import Retriever
    from tests.conftest import FakeEmbedder

    if dim == 384:
        return Retriever.load(corpus=folder / "corpus", index=folder / "index", build_if_missing=False)

    class StandIn(FakeEmbedder):
        name = "stand-in"

        def _vector(self, text):
            return stand_in([text], dim)[0]

    return Retriever.load(corpus=folder / "corpus", index=folder / "index", embedder=StandIn(), build_if_missing=False)


def measure_open(folder: Path, dim: int) -> None:
    started = time.perf_counter()
    retriever(folder, dim)
    print(json.dumps({"open_s": time.perf_counter() - started}))


def measure_warm(folder: Path, dim: int) -> None:
    r = retriever(folder, dim)
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()][:60]
    r.ask(QUESTION)
    times = []
    for q in questions * 2:
        started = time.perf_counter()
        r.ask(q)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(json.dumps({"warm_ask_p50_ms": statistics.median(times), "warm_ask_p95_ms": times[int(0.95 * len(times))]}))


def measure_add(folder: Path) -> None:
    r = retriever(folder, 384)
    new = folder / "corpus" / "report-new.txt"  # as the page's upload stores it, then adds it
    new.write_text(Copy(10**6 + 7)(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    started = time.perf_counter()
    r.add(new)
    print(json.dumps({"add_one_report_s": time.perf_counter() - started}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, help="keep the archive here (default: a temporary folder)")
    parser.add_argument("--measure", choices=["open", "warm", "add"], help=argparse.SUPPRESS)
    parser.add_argument("--no-add", action="store_true", help="skip adding a report with the real model")
    parser.add_argument("--tile", type=Path, metavar="ARCHIVE",
                        help="make the archive from --times copies of this one (new stand-in vectors)")
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    if args.measure:
        {"open": lambda: measure_open(args.folder, args.dim), "warm": lambda: measure_warm(args.folder, args.dim),
         "add": lambda: measure_add(args.folder)}[args.measure]()
        return
    folder = args.folder or Path(tempfile.mkdtemp(prefix="archive-"))
    if (folder / "index").exists():
        result = {"reports": args.reports, "reused": str(folder)}
    elif args.tile:
        result = tile_archive(folder, args.tile, args.times, args.dim)
    else:
        result = make_archive(folder, args.reports, args.dim)
    me = [str(Path(__file__).resolve()), "--folder", str(folder), "--dim", str(args.dim)]
    opens = [json.loads(child([*me, "--measure", "open"])[2])["open_s"] for _ in range(args.runs)]
    result["open_s"] = round(statistics.median(opens), 3)
    if args.dim == 384:
        cold = [child(["-m", "rag.ask", QUESTION, "--corpus", str(folder / "corpus"), "--index", str(folder / "index")])
                for _ in range(args.runs)]
        result["cold_ask_s"] = round(statistics.median(w for w, _, _ in cold), 3)
        result["cold_ask_peak_mb"] = round(max(m for _, m, _ in cold))
    _, peak, out = child([*me, "--measure", "warm"])
    result.update({k: round(v, 1) for k, v in json.loads(out).items()}, warm_process_peak_mb=round(peak))
    if args.dim == 384 and not args.no_add:
        result["add_one_report_s"] = round(json.loads(child([*me, "--measure", "add"])[2])["add_one_report_s"], 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
