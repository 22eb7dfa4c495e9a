"""`baogao ask|build|serve|eval|compare …`: one command for everything the checkout's
scripts do (`python -m rag.ask`, `python -m rag.build`, `python app.py`, `python -m eval.run`)."""

from __future__ import annotations

import sys

USAGE = """usage: baogao COMMAND [ARGS]

commands:
  ask QUESTION     the direct answer and the cited passages (baogao ask --help)
  build            (re)build the index of a corpus folder
  serve            the chat page and the REST API on 127.0.0.1:7860
  eval             score a question set (needs: pip install "baogao[eval]")
  compare A B      significance of the difference between two eval runs
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "ask":
        from .ask import main as run
    elif command == "build":
        from .build import main as run
    elif command == "serve":
        from .serve import main as run
    elif command == "eval":
        from .evaluation.run import main as run
    elif command == "compare":
        from .evaluation.compare import main as run
    else:
        print(f"baogao: unknown command '{command}'.\n{USAGE}", end="", file=sys.stderr)
        return 2
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
