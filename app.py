"""`python app.py` from a checkout: the same as `baogao serve` (the page is rag/page.py)."""

import sys

from rag.page import main

if __name__ == "__main__":
    sys.exit(main())
