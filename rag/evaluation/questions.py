"""Question sets: one JSON object a line, read into checked `Question`s.

    {"id": "q001", "question": "…", "kind": "number", "gold": ["共对7968家经营主体"],
     "answer": "7968家", "source": "shanghai-samr-2023-rule-of-law-report.txt"}

`gold` are substrings a passage answering the question holds ([] exactly when the kind is
"unanswerable"); `answer` is the exact short answer ("" when the answer is a passage);
`source` names the report the gold is in, for a corpus of several reports ("" means any).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import RagError

UNANSWERABLE = "unanswerable"


class QuestionSetError(RagError):
    """The question file is missing, or one of its lines is not a valid question."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    answer: str = ""
    source: str = ""

    @property
    def answerable(self) -> bool:
        return self.kind != UNANSWERABLE


def load_questions(path: str | Path) -> list[Question]:
    """Read a JSONL question file, raising QuestionSetError with the line that is wrong."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise QuestionSetError(f"Cannot read the question file {path}: {err}. "
                               "Pass a UTF-8 JSONL file with --questions.") from None
    questions = [parse_question(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
    if not questions:
        raise QuestionSetError(f"{path} holds no questions: add one JSON object per line.")
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise QuestionSetError(f"{path}: question id {dup!r} appears twice; ids must be unique.")
    return questions


def parse_question(line: str, where: str) -> Question:
    """Return one checked question from a JSONL line."""
    try:
        q = json.loads(line)
    except json.JSONDecodeError as err:
        raise QuestionSetError(f"{where}: not JSON ({err.msg}). Fix or delete that line.") from None
    ok = (isinstance(q, dict) and all(isinstance(q.get(f), str) and q[f] for f in ("id", "question", "kind"))
          and isinstance(q.get("gold"), list) and all(isinstance(g, str) and g for g in q["gold"]))
    if not ok:
        raise QuestionSetError(f"{where}: needs non-empty strings id, question, kind and a list "
                               "of non-empty strings gold.")
    if (q["kind"] == UNANSWERABLE) != (not q["gold"]):
        raise QuestionSetError(f"{where}: gold must be [] exactly when kind is {UNANSWERABLE!r}.")
    answer, source = q.get("answer", ""), q.get("source", "")
    if not isinstance(answer, str) or (q["kind"] == UNANSWERABLE and answer):
        raise QuestionSetError(f"{where}: answer must be a string, and \"\" when kind is {UNANSWERABLE!r}.")
    if not isinstance(source, str):
        raise QuestionSetError(f"{where}: source must be a report's file name, or \"\".")
    return Question(q["id"], q["question"], q["kind"], tuple(q["gold"]), answer, source)
