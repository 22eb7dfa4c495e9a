"""Where the checkout is: tests read its data/ and eval/ files by path."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_python(script: str, timeout: int = 300):
    """Run `script` in a fresh Python process from the checkout (what a module loads, what a
    process prints at exit): its CompletedProcess, output as text."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)
