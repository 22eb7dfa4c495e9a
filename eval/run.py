"""`python -m eval.run` from a checkout: the same as `baogao eval` (rag/evaluation/run.py)."""

import sys

from rag.evaluation.run import main

if __name__ == "__main__":
    sys.exit(main())
