"""`python -m rag.ask QUESTION`: print the direct answer and the cited passages."""

from __future__ import annotations

import argparse
import json
import sys

from .cite import format_reply_text
from .cli import add_common_arguments, setup_logging, user_errors
from .retriever import Retriever, check_question
from .scope import Filters


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m rag.ask", description=__doc__)
    parser.add_argument("question", help="the question, in Chinese or English")
    parser.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--report", action="append", default=[], metavar="FILE",
                        help="only this report (its file name in the corpus); repeatable")
    parser.add_argument("--year", action="append", default=[], metavar="YYYY",
                        help="only reports that speak of this year; repeatable")
    parser.add_argument("--region", action="append", default=[], metavar="NAME",
                        help="only reports of this region or inside it (四川, 深圳市, 南山区); repeatable")
    parser.add_argument("--body", action="append", default=[], metavar="NAME",
                        help="only reports whose issuing body's name holds this (统计局); repeatable")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error("-k must be at least 1")
    if any(not (y.isdigit() and len(y) == 4) for y in args.year):
        parser.error("--year takes a year such as 2024")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.verbose)
    with user_errors():
        question = check_question(args.question)  # before any loading: nothing to undo
        # An explicitly named index folder is never created behind the user's back.
        retriever = Retriever.load(args.corpus, args.index, args.model,
                                   build_if_missing=args.index is None, progress=True)
        filters = Filters(tuple(args.report), tuple(args.year), tuple(args.region), tuple(args.body))
        reply = retriever.ask(question, k=args.k, filters=filters)
    output = json.dumps(reply.to_dict(), ensure_ascii=False) if args.json \
        else format_reply_text(reply, color=sys.stdout.isatty())
    try:
        print(output)
    except BrokenPipeError:  # `| head` closed the pipe: not an error worth a traceback
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
