"""`python -m rag.build`: (re)build the index of a corpus folder."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from .cli import add_common_arguments, setup_logging, store_config, user_errors
from .embed import load_embedder
from .index import verify
from .pipeline import build_index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.build", description=__doc__)
    add_common_arguments(parser)
    parser.add_argument("--verify", action="store_true",
                        help="only check every file of the index against its SHA-256 (opening checks "
                             "large arrays by size), and say whether it is whole")
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    config = store_config(args)
    for field, value in (("corpus_dir", args.corpus), ("index_dir", args.index)):
        if value:
            config = replace(config, **{field: Path(value)})
    if args.model:
        config = replace(config, model=args.model)
    if args.verify:
        with user_errors():
            data = verify(config.index_dir)
        print(f"{config.index_dir} is whole: every file matches its SHA-256 ({len(data.passages)} passages).")
        return 0
    with user_errors():
        started = time.perf_counter()
        data = build_index(config, load_embedder(config.model, config.model_cache_dir), progress=True)
        if config.store == "qdrant":
            from .store_qdrant import QdrantStore, connect

            QdrantStore.write(connect(config.qdrant_url), config.qdrant_collection, data)
            print(f"Wrote the Qdrant collection '{config.qdrant_collection}' at {config.qdrant_url}", file=sys.stderr)
    print(f"Built {config.index_dir}: {len(data.passages)} passages from "
          f"{len(data.manifest['sources'])} file(s), model {config.model}, "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
