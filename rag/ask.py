"""`python -m rag.ask QUESTION`: print the cited passages that answer a question."""

from __future__ import annotations

import argparse
import json
import sys

from .cite import format_hits_text, hits_json
from .cli import add_common_arguments, setup_logging, user_errors
from .retrieve import Retriever, check_question


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m rag.ask", description=__doc__)
    parser.add_argument("question", help="the question, in Chinese or English")
    parser.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error("-k must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.verbose)
    with user_errors():
        question = check_question(args.question)  # before any loading: nothing to undo
        # An explicitly named index folder is never created behind the user's back.
        retriever = Retriever.load(args.corpus, args.index, args.model,
                                   build_if_missing=args.index is None, progress=True)
        hits = retriever.search(question, k=args.k)
    if args.json:
        print(json.dumps(hits_json(question, hits), ensure_ascii=False))
    else:
        print(format_hits_text(question, hits, color=sys.stdout.isatty()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
