"""What the two commands share: logging to stderr and turning errors into one line."""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import contextmanager
from dataclasses import replace

from .config import Config
from .errors import RagError


def setup_logging(verbose: bool = False) -> None:
    """Send the library's logs to stderr, keeping third-party chatter down."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    logging.getLogger("rag").setLevel(logging.DEBUG if verbose else logging.INFO)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", metavar="DIR", help="folder of reports: .pdf, .docx, .html/.htm, .txt, .md (default: data/)")
    parser.add_argument("--index", metavar="DIR", help="index folder (default: index/)")
    parser.add_argument("--model", metavar="NAME_OR_PATH",
                        help="sentence-transformers model (default: intfloat/multilingual-e5-small, offline)")
    parser.add_argument("--store", choices=("local", "qdrant"), default="local",
                        help="search the index folder (local, default) or a Qdrant collection built from it")
    parser.add_argument("--qdrant-url", metavar="URL", default="",
                        help="with --store qdrant: http(s)://host:6333 (API key from QDRANT_API_KEY), "
                             "a folder for Qdrant's local mode, or :memory:")
    parser.add_argument("--qdrant-collection", metavar="NAME", default="baogao",
                        help="with --store qdrant: the collection (default baogao)")
    parser.add_argument("-v", "--verbose", action="store_true", help="more logs on stderr")


def store_config(args: argparse.Namespace, config: Config | None = None) -> Config:
    """Return `config` (default: Config()) with the store the command line chose."""
    return replace(config or Config(), store=args.store, qdrant_url=args.qdrant_url,
                   qdrant_collection=args.qdrant_collection)


@contextmanager
def user_errors():
    """Turn library errors into `Error: ...` on stderr and exit 1, without a traceback."""
    try:
        yield
    except RagError as err:
        print(f"Error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    except OSError as err:  # disk full, permission denied: say which file
        print(f"Error: {err.strerror or err} ({err.filename or 'file system'}). "
              "Check free space and permissions, then try again.", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        raise SystemExit(130) from None
