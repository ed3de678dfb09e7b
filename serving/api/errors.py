"""The API's errors: the JSON envelope `{"error": {code, message}}` and every exception mapped to it."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from training.errors import DataError, ModelError, ZongjieError

from serving.api.schemas import ErrorResponse


class ApiError(ZongjieError):
    """A refusal with its status, code and message (and headers, e.g. Retry-After); its codes are
    the README's table (API section)."""

    code = "api_error"

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def envelope(code: str, message: str) -> dict:
    """The body of every error answer (the Guard's too)."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse(envelope(code, message), status_code=status, headers=headers)


def documented(*codes: int) -> dict:
    """`responses=` for the OpenAPI: these statuses answer with the error envelope."""
    return {code: {"model": ErrorResponse} for code in codes}


BODY_ERRORS = documented(400, 401, 408, 413, 415, 422, 503)  # what the Guard and the checks answer


async def _api_error(request: Request, exc: ApiError):
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else exc.headers
    return error_response(exc.status, exc.code, exc.message, headers)


async def _invalid(request: Request, exc: RequestValidationError):
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        position = first.get("loc", ("body", "?"))[-1]
        return error_response(422, "invalid_json", f"the body is not valid JSON (error at character {position})")
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    return error_response(422, "invalid_request", f"{where}: {first.get('msg', 'invalid')}")


async def _http_error(request: Request, exc: StarletteHTTPException):
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail),
                          getattr(exc, "headers", None))  # 405 says which methods are allowed


async def _zongjie_error(request: Request, exc: ZongjieError):
    status = 503 if isinstance(exc, ModelError) else 422 if isinstance(exc, DataError) else 400
    return error_response(status, exc.code, str(exc))


async def _unexpected(request: Request, exc: Exception):  # a bug, never the client's input
    return error_response(500, "internal_error", f"{type(exc).__name__}: the server failed; see its log")


def install_error_handlers(app: FastAPI) -> None:
    """Every exception a request can raise answers with the envelope."""
    for kind, handler in _HANDLERS.items():
        app.add_exception_handler(kind, handler)


# Each handler takes its own kind of exception (Starlette's hint says Exception for all of them).
_HANDLERS: dict[type[Exception], Callable[[Request, Any], Awaitable[JSONResponse]]] = {
    ApiError: _api_error, RequestValidationError: _invalid, StarletteHTTPException: _http_error,
    ZongjieError: _zongjie_error, Exception: _unexpected}
