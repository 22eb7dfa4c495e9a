"""Where the checkout is: tests read its data/ and eval/ files by path."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
