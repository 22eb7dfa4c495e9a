"""The REST API: JSON over HTTP, served beside the page in the same process (rag.serve).

    POST /api/ask     {"question": "不予行政处罚多少家", "k": 5, "reports": [...], "years": [...],
                       "region": "四川", "body": "统计局"}  → the object `rag.ask --json` prints
    POST /api/search  the same request → {"question", "hits"} (the passages only)
    GET  /api/reports → {"reports": [{"source", "title", "body", "region", "years", "date"}]}
    GET  /api/health  → {"status": "ok", "reports", "passages", "model"}
    GET  /docs        → the OpenAPI page (the schema is /openapi.json)

Every error is JSON `{"error": "one line saying what is wrong and what to do"}` with its
status: 400 a question that is empty, too long or not text; 401 a missing or wrong token;
413 a body over the limit; 422 a request of the wrong shape (k = 2.5, a question that is a
number, JSON that does not parse); 503 the server is busy or the index cannot be read.
Questions are answered in rag.lanes' threads, never on the event loop.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import QuestionError, RagError
from .lanes import Busy, Lanes
from .page import DEFAULT_K, MAX_K, filters_of
from .retriever import Retriever, check_question

log = logging.getLogger(__name__)

MAX_API_BODY_BYTES = 64 * 1024  # a 1,000-character question is at most 6 KB as JSON escapes
TOKEN_HEADER = "Authorization"


class Question(BaseModel):
    """A question and the reports to answer it from (the filters of `rag.ask`)."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(description="the question, in Chinese or English (at most 1,000 characters)",
                                examples=["不予行政处罚多少家"])
    k: StrictInt = Field(DEFAULT_K, ge=1, le=MAX_K, description="number of passages")
    reports: list[StrictStr] = Field([], description="only these reports (file names, as /api/reports lists)")
    years: list[StrictStr] = Field([], description="only reports that speak of these years")
    region: StrictStr | list[StrictStr] = Field("", description="only reports of this region or inside it (四川)")
    body: StrictStr | list[StrictStr] = Field("", description="only reports whose issuing body's name holds this")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def create_api(retriever: Retriever, lanes: Lanes, token: str | None = None) -> FastAPI:
    """Return the FastAPI app with the /api routes (the page is mounted on it by rag.serve)."""
    # The docs page's scripts come with fastapi-offline: nothing is loaded from a CDN.
    api = FastAPIOffline(title="baogao", version="1", summary="Cited answers from Chinese government reports.",
                         description=__doc__.split("\n\n", 1)[1], redoc_url=None)

    def check_token(request: Request) -> None:
        if token is None:
            return
        scheme, _, given = request.headers.get(TOKEN_HEADER, "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise ApiError(401, f"This server needs its token: send the header '{TOKEN_HEADER}: Bearer TOKEN' "
                                "(the value of BAOGAO_API_TOKEN where the server runs).",
                           {"WWW-Authenticate": "Bearer"})

    # The token is checked before the body is read or validated: without it, a caller
    # learns nothing, not even what shape a request should have.
    routes = APIRouter(prefix="/api", dependencies=[Depends(check_token)])

    async def answer(body: Question, work) -> dict:
        try:
            question = check_question(body.question, retriever.config.max_question_chars)
            filters = filters_of(body.reports, body.years, body.region, body.body)
            return await lanes.run(question, work, question, body.k, filters)
        except QuestionError as err:
            raise ApiError(400, str(err)) from None
        except Busy as err:
            raise ApiError(503, str(err), {"Retry-After": "1"}) from None
        except RagError as err:  # index missing, damaged or out of date, model not loadable
            raise ApiError(503, str(err)) from None

    def ask_work(question, k, filters) -> dict:
        return retriever.ask(question, k=k, filters=filters).to_dict()

    def search_work(question, k, filters) -> dict:
        reports = retriever.reports
        return {"question": question,
                "hits": [h.to_dict() | ({"report": reports[h.source].citation()} if h.source in reports else {})
                         for h in retriever.search(question, k=k, filters=filters)]}

    @routes.post("/ask", summary="Answer a question: the direct answer, or the refusal, and the cited passages")
    async def ask(body: Question) -> dict:
        return await answer(body, ask_work)

    @routes.post("/search", summary="The k passages that best answer a question, best first")
    async def search(body: Question) -> dict:
        return await answer(body, search_work)

    @routes.get("/reports", summary="The indexed reports and what each is (title, body, region, years, date)")
    def reports() -> dict:
        return {"reports": [{"source": source} | r.citation()
                            for source, r in sorted(retriever.reports.items())]}

    @routes.get("/health", summary="Whether the server answers, and what it answers from")
    def health() -> dict:
        return {"status": "ok", "reports": len(retriever.reports), "passages": len(retriever.passages),
                "model": retriever.config.model}

    api.include_router(routes)

    @api.exception_handler(ApiError)
    async def api_error(request: Request, err: ApiError) -> JSONResponse:
        return error_response(err.status, err.message, err.headers)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        if err.status_code == 400:  # the body could not be read: not UTF-8 JSON
            return error_response(400, "The request body is not UTF-8 JSON: send an object such as "
                                       "{\"question\": \"不予行政处罚多少家\", \"k\": 5}.")
        return error_response(err.status_code, str(err.detail), getattr(err, "headers", None))

    @api.exception_handler(RequestValidationError)
    async def wrong_shape(request: Request, err: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_line(err.errors()))

    return api


def validation_line(errors) -> str:
    """Return one line for pydantic's errors: the first, with the field and what it got."""
    if not errors:
        return "The request is not valid: send JSON such as {\"question\": \"不予行政处罚多少家\", \"k\": 5}."
    first = errors[0]
    if first.get("type") in ("json_invalid", "json_type"):
        return ("The request body is not valid JSON: send an object such as "
                "{\"question\": \"不予行政处罚多少家\", \"k\": 5} with Content-Type: application/json.")
    if tuple(first.get("loc", ())) == ("body",) and first.get("type") == "missing":
        return ("The request has no body: send JSON such as {\"question\": \"不予行政处罚多少家\", \"k\": 5} "
                "with Content-Type: application/json.")
    field = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    got = f" (got {type(first['input']).__name__})" if "input" in first and first.get("type") != "missing" else ""
    more = f"; and {len(errors) - 1} more" if len(errors) > 1 else ""
    return f"{field}: {first.get('msg', 'not valid')}{got}{more}."


class LimitedBody:
    """ASGI middleware: refuse a request body over `limit` bytes with 413, before any of it
    is parsed (by the declared Content-Length, or while a chunked body streams in).
    Paths under `api_prefix` get the smaller `api_limit`."""

    def __init__(self, app, limit: int, api_limit: int = MAX_API_BODY_BYTES, api_prefix: str = "/api/"):
        self.app, self.limit, self.api_limit, self.api_prefix = app, limit, api_limit, api_prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.api_limit if scope["path"].startswith(self.api_prefix) else self.limit
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await self._refuse(limit, send)
        if declared is not None:
            return await self.app(scope, receive, send)
        # No length declared (chunked): read the body up to the limit, then hand it on.
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > limit:
                return await self._refuse(limit, send)
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        return await self.app(scope, replay, send)

    async def _refuse(self, limit: int, send) -> None:
        what = "send one question of at most 1,000 characters" if limit == self.api_limit else "send less"
        await error_response(413, f"The request body is over the limit of {limit:,} bytes: {what}.")(
            {"type": "http"}, None, send)
