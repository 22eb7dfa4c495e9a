"""`python app.py` from a checkout: the same as `baogao serve` (rag/serve.py: the page and the REST API)."""

import sys

from rag.serve import main

if __name__ == "__main__":
    sys.exit(main())
