"""Measure what an archive of N reports costs: build, open, cold and warm asks, memory.

    python benchmarks/scale.py [--sizes 1,10,100,1000] [--real-up-to 10] [--runs 3]
                               [--out benchmarks/results/scale] [--keep DIR]

For each N it writes an archive of N reports into a temporary folder (or DIR/N with
--keep), builds its index, and measures, each in a new process so that peak memory is
that step's own:

- build:  wall time and peak memory of the build;
- open:   `Retriever.load` of the built index (median of --runs processes);
- cold:   `python -m rag.ask QUESTION --corpus C --index I` (median of --runs);
- warm:   `Retriever.ask` over the seed evaluation questions in one process, after two
          warm-up questions (from the second a process embeds questions with ONNX Runtime,
          opened in the background: it is waited for): p50 and p95, and the peak memory of
          that process;
- embed:  of those asks, the question's embedding alone (median), so `warm − embed`
          is the store's and the answer layers' share;
- update: in a process that has opened the archive, `Retriever.add` of one more report
          (embedded by the real model, which the add loads) and `Retriever.remove` of it.

The archive: report i is the seed report (data/) rewritten for another city, year and
figures — its place names replaced by a city of CITIES, every year moved by the same
offset, every other number scaled by a factor drawn from random.Random(i) — so the
corpus is deterministic for any N and every report is different text (no passage is
shared, so no vector is reused across reports).

The embedder: up to --real-up-to reports the real default model builds the index
(`python -m rag.build`); above it, a stand-in (`StandInEmbedder`) gives each text a
unit vector of the model's 384 dimensions drawn from a seed hashed from the text, in
microseconds. Stand-in indexes carry the default model's name, so `rag.ask` opens them
as they are and embeds the question with the real model: open, cold and warm times are
real; only the build excludes the model's time (a floor) and rankings are meaningless.
Results print as a Markdown table on stdout; `OUT.md`, `OUT.json` and `OUT.png` (cost
against N, log–log) are written too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_REPORT = ROOT / "data" / "shanghai-samr-2023-rule-of-law-report.txt"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
QUESTION = "不予行政处罚多少家"
DIM = 384  # multilingual-e5-small
# (city, its short name, its province): prefecture-level cities, so rag.identity finds
# a real region in each report.
CITIES = [
    ("南京市", "南京", "江苏省"), ("苏州市", "苏州", "江苏省"), ("杭州市", "杭州", "浙江省"),
    ("宁波市", "宁波", "浙江省"), ("合肥市", "合肥", "安徽省"), ("福州市", "福州", "福建省"),
    ("厦门市", "厦门", "福建省"), ("南昌市", "南昌", "江西省"), ("济南市", "济南", "山东省"),
    ("青岛市", "青岛", "山东省"), ("郑州市", "郑州", "河南省"), ("洛阳市", "洛阳", "河南省"),
    ("武汉市", "武汉", "湖北省"), ("长沙市", "长沙", "湖南省"), ("广州市", "广州", "广东省"),
    ("深圳市", "深圳", "广东省"), ("南宁市", "南宁", "广西壮族自治区"), ("海口市", "海口", "海南省"),
    ("成都市", "成都", "四川省"), ("贵阳市", "贵阳", "贵州省"), ("昆明市", "昆明", "云南省"),
    ("西安市", "西安", "陕西省"), ("兰州市", "兰州", "甘肃省"), ("西宁市", "西宁", "青海省"),
    ("银川市", "银川", "宁夏回族自治区"), ("太原市", "太原", "山西省"), ("石家庄市", "石家庄", "河北省"),
    ("沈阳市", "沈阳", "辽宁省"), ("大连市", "大连", "辽宁省"), ("长春市", "长春", "吉林省"),
    ("哈尔滨市", "哈尔滨", "黑龙江省"), ("呼和浩特市", "呼和浩特", "内蒙古自治区"),
    ("乌鲁木齐市", "乌鲁木齐", "新疆维吾尔自治区"), ("拉萨市", "拉萨", "西藏自治区"),
    ("无锡市", "无锡", "江苏省"), ("温州市", "温州", "浙江省"), ("佛山市", "佛山", "广东省"),
    ("东莞市", "东莞", "广东省"), ("泉州市", "泉州", "福建省"), ("烟台市", "烟台", "山东省"),
]
YEARS = range(2016, 2026)  # the report's year (2023 in the seed) moves into this range
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])")
_YEAR = re.compile(r"(?:19|20)\d{2}$")


# ---------------------------------------------------------------------------- the archive


def report_variant(seed: str, i: int) -> tuple[str, str]:
    """Return (file name, text) of report i: the seed report for another city, year and figures."""
    city, short, _province = CITIES[i % len(CITIES)]
    year = YEARS[(i // len(CITIES)) % len(YEARS)]
    shift = year - 2023
    rng = random.Random(i)
    factor = rng.uniform(0.6, 1.6)

    def number(match: re.Match) -> str:
        text = match.group(1)
        if _YEAR.match(text) and "." not in text:
            return str(int(text) + shift)
        if "." in text:
            decimals = len(text.split(".")[1])
            return f"{float(text) * factor:.{decimals}f}"
        value = int(text)
        return str(max(1, round(value * factor))) if value > 12 else text  # keep months and list numbers

    text = _NUMBER.sub(number, seed)
    text = text.replace("上海市", city).replace("上海", short)
    return f"{i:05d}-{short}-{year}.txt", text


def write_archive(folder: Path, n: int) -> int:
    """Write an archive of n reports into `folder`; return its size in bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = SEED_REPORT.read_text(encoding="utf-8")
    size = 0
    for i in range(n):
        name, text = report_variant(seed, i)
        (folder / name).write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
    return size


class StandInEmbedder:
    """A fast stand-in for the default model at scale: a unit vector per text from a seed
    hashed from the text (deterministic, 384 dimensions, microseconds a text). It carries
    the default model's name so that `rag.ask` opens its index as it is."""

    def __init__(self):
        from rag.config import DEFAULT_MODEL

        self.name = DEFAULT_MODEL

    def embed_passages(self, texts, progress=False):
        import numpy as np

        out = np.empty((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = np.random.default_rng(zlib.crc32(text.encode("utf-8"))).standard_normal(DIM)
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        return out

    def embed_query(self, text):
        return self.embed_passages([text])[0]


# ---------------------------------------------------------------------------- measuring


def child_output(args: list[str]) -> dict:
    """Return the JSON object a child process of this script prints (children that report
    memory measure their own peak: communicate() reaps the child before wait4 could)."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])}… failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return json.loads(proc.stdout.decode("utf-8"))


def wait_run(args: list[str]) -> tuple[float, float]:
    """Return (wall seconds, peak RSS in MB) of one child process whose output is not read."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 gives this child's own peak RSS; getrusage(RUSAGE_CHILDREN) is a running max.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args[:3])}… failed with status {status}: {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return wall, usage.ru_maxrss / 1024


def child_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_build(corpus: str, index: str) -> None:
    """In a child process: build the index of `corpus` with the stand-in embedder."""
    sys.path.insert(0, str(ROOT))
    from rag.config import Config
    from rag.pipeline import build_index

    data = build_index(Config(corpus_dir=Path(corpus), index_dir=Path(index)), StandInEmbedder())
    print(json.dumps({"passages": len(data.passages), "sentences": len(data.sentence_vectors)}))


def child_open(corpus: str, index: str) -> None:
    """In a child process: time Retriever.load alone."""
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    from rag import Retriever

    Retriever.load(corpus, index, build_if_missing=False)
    print(json.dumps({"open_s": time.perf_counter() - started, "peak_mb": child_peak_mb()}))


def child_warm(corpus: str, index: str, n_questions: int) -> None:
    """In a child process: open, then ask the seed questions twice; print latencies."""
    sys.path.insert(0, str(ROOT))
    from rag import Retriever

    retriever = Retriever.load(corpus, index, build_if_missing=False)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    questions = questions[:n_questions]
    retriever.ask(QUESTION)  # loads jieba's dictionary and the query engine
    retriever.ask(questions[0])  # a second question: the process opens ONNX Runtime for the next (rag.embed)
    engine = getattr(retriever.embedder, "settle", lambda timeout=None: "")(timeout=120)
    asks, embeds = [], []
    for q in questions * 2:
        started = time.perf_counter()
        retriever.embedder.embed_query(q)
        embeds.append(time.perf_counter() - started)
        started = time.perf_counter()
        retriever.ask(q, k=5)
        asks.append(time.perf_counter() - started)
    asks.sort()
    print(json.dumps({"p50_ms": 1000 * statistics.median(asks),
                      "p95_ms": 1000 * asks[max(0, round(0.95 * len(asks)) - 1)],
                      "embed_ms": 1000 * statistics.median(embeds), "asks": len(asks), "query_engine": engine,
                      "peak_mb": child_peak_mb()}))


def child_update(corpus: str, index: str) -> None:
    """In a child process: open the archive as a server does, then add one more report
    (`Retriever.add`: the real model embeds it, loaded by the add as a server's first add
    loads it) and remove it again (`Retriever.remove`), each timed; the archive is left as it was."""
    sys.path.insert(0, str(ROOT))
    from rag import Retriever

    retriever = Retriever.load(corpus, index, build_if_missing=False)
    name, text = report_variant(SEED_REPORT.read_text(encoding="utf-8"), 10**6 + 7)
    path = Path(corpus) / name
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    retriever.add(path)
    added = time.perf_counter() - started
    started = time.perf_counter()
    retriever.remove(name)
    removed = time.perf_counter() - started
    shutil.rmtree(Path(corpus) / ".removed", ignore_errors=True)
    print(json.dumps({"add_s": added, "remove_s": removed, "peak_mb": child_peak_mb()}))


def measure(n: int, folder: Path, real: bool, runs: int, n_questions: int) -> dict:
    corpus, index = folder / "corpus", folder / "index"
    started = time.perf_counter()
    size = write_archive(corpus, n)
    log(f"N={n}: wrote {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s; building "
        f"({'real model' if real else 'stand-in vectors'})")
    me = str(Path(__file__).resolve())
    if real:
        build_s, build_mb = wait_run(["-m", "rag.build", "--corpus", str(corpus), "--index", str(index)])
    else:
        build_s, build_mb = wait_run([me, "--child", "build", str(corpus), str(index)])
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    log(f"N={n}: built {manifest['n_passages']} passages in {build_s:.1f} s; opening")
    opens = [child_output([me, "--child", "open", str(corpus), str(index)]) for _ in range(runs)]
    colds = [wait_run(["-m", "rag.ask", QUESTION, "--corpus", str(corpus), "--index", str(index)])
             for _ in range(runs)]
    log(f"N={n}: cold ask {statistics.median(w for w, _ in colds):.2f} s; warm asks")
    warm = child_output([me, "--child", "warm", str(corpus), str(index), str(n_questions)])
    log(f"N={n}: warm p50 {warm['p50_ms']:.0f} ms; adding and removing a report")
    update = child_output([me, "--child", "update", str(corpus), str(index)])
    return {
        "reports": n, "passages": manifest["n_passages"], "corpus_mb": size / 1e6,
        "embedder": "model" if real else "stand-in",
        "build_s": build_s, "build_peak_mb": build_mb,
        "open_s": statistics.median(o["open_s"] for o in opens),
        "cold_ask_s": statistics.median(w for w, _ in colds), "cold_ask_peak_mb": max(m for _, m in colds),
        "warm_p50_ms": warm["p50_ms"], "warm_p95_ms": warm["p95_ms"], "embed_ms": warm["embed_ms"],
        "warm_peak_mb": warm["peak_mb"], "runs": runs, "asks": warm["asks"],
        "add_s": update["add_s"], "remove_s": update["remove_s"], "update_peak_mb": update["peak_mb"],
        # The machine is shared: its 1-minute load average when this size finished, to read
        # the times by (on 2 cores, above 2 means every figure waited for the CPU).
        "load_average": os.getloadavg()[0],
    }


# ---------------------------------------------------------------------------- reporting


def markdown(rows: list[dict]) -> str:
    header = ("| reports | passages | vectors from | build | open (`Retriever.load`) | cold `rag.ask` | "
              "warm `ask` p50 / p95 | of which the question's embedding | add / remove one report | "
              "peak memory: build / cold ask / warm |")
    lines = [header, "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(
            f"| {r['reports']:,} | {r['passages']:,} | {r['embedder']} | {r['build_s']:.1f} s | "
            f"{r['open_s']:.2f} s | {r['cold_ask_s']:.2f} s | {r['warm_p50_ms']:.0f} / {r['warm_p95_ms']:.0f} ms | "
            f"{r['embed_ms']:.0f} ms | {_seconds(r.get('add_s'))} / {_seconds(r.get('remove_s'))} | {r['build_peak_mb']:,.0f} / {r['cold_ask_peak_mb']:,.0f} / "
            f"{r['warm_peak_mb']:,.0f} MB |")
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"  # results written before the update step have none


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["reports"] for r in rows]
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, scale in (("build_s", "build (s)", 1), ("open_s", "open (s)", 1),
                              ("cold_ask_s", "cold rag.ask (s)", 1), ("warm_p50_ms", "warm ask p50 (s)", 1e-3),
                              ("warm_p95_ms", "warm ask p95 (s)", 1e-3), ("add_s", "add one report (s)", 1)):
        if all(key in r for r in rows):
            time_ax.plot(n, [r[key] * scale for r in rows], marker="o", label=label)
    for key, label in (("build_peak_mb", "build"), ("cold_ask_peak_mb", "cold rag.ask"), ("warm_peak_mb", "warm ask")):
        memory_ax.plot(n, [r[key] for r in rows], marker="o", label=label)
    for ax, title, unit in ((time_ax, "time against archive size", "seconds"),
                            (memory_ax, "peak memory against archive size", "MB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("reports in the archive")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, corpus, index, *rest = sys.argv[2:]
        if kind == "warm":
            child_warm(corpus, index, int(rest[0]))
        else:
            {"build": child_build, "open": child_open, "update": child_update}[kind](corpus, index)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100,1000", help="archive sizes, in reports (default 1,10,100,1000)")
    parser.add_argument("--real-up-to", type=int, default=10,
                        help="build with the real model up to this many reports, the stand-in above (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="processes per open and cold ask (median; default 3)")
    parser.add_argument("--questions", type=int, default=40,
                        help="seed questions asked twice each for the warm figures (default 40)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale"),
                        help="writes OUT.md, OUT.json and OUT.png")
    parser.add_argument("--keep", metavar="DIR", help="keep each archive and index in DIR/N (default: deleted)")
    args = parser.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes takes whole numbers separated by commas, e.g. 1,10,100; got {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.runs < 1 or args.questions < 1:
        parser.error("--sizes, --runs and --questions need whole numbers of at least 1")
    rows = []
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        if args.keep:
            folder = Path(args.keep) / str(n)
            shutil.rmtree(folder, ignore_errors=True)
            rows.append(measure(n, folder, n <= args.real_up_to, args.runs, args.questions))
        else:
            with tempfile.TemporaryDirectory(prefix=f"scale-{n}-") as tmp:
                rows.append(measure(n, Path(tmp), n <= args.real_up_to, args.runs, args.questions))
        write_results(rows, out)  # after each size: a long run interrupted keeps what it measured
    print(markdown(rows))
    print("load average when each size finished: " + ", ".join(
        f"N={r['reports']}: {r['load_average']:.1f}" for r in rows), file=sys.stderr)


def write_results(rows: list[dict], out: Path) -> None:
    out.with_suffix(".md").write_text(markdown(rows) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    plot(rows, out.with_suffix(".png"))


if __name__ == "__main__":
    main()
