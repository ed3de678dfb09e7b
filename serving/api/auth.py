"""Bearer tokens: checked on the raw header bytes, in constant time, before a request's body is read."""
from __future__ import annotations

import hmac

from serving.settings import Settings

OPEN = {"/v1/labels"}  # /v1 endpoints that need no token


def _bearer(raw: bytes) -> bytes:
    return raw[7:].strip() if raw[:7].lower() == b"bearer " else b""


def _matches(raw: bytes, token: str) -> bool:
    return hmac.compare_digest(_bearer(raw), token.encode("utf-8"))


def auth_problem(path: str, authorization: bytes, settings: Settings) -> tuple[int, str, str] | None:
    """(status, code, message) when the request may not go on, None when it may."""
    if path.startswith("/v1/admin/"):
        if not settings.admin_token:
            return 403, "admin_disabled", "admin endpoints are disabled: set ZONGJIE_ADMIN_TOKEN"
        if not _matches(authorization, settings.admin_token):
            return 401, "unauthorized", "missing or wrong admin bearer token"
    elif path.startswith("/v1/") and path not in OPEN and settings.api_token:
        if not _matches(authorization, settings.api_token):
            return 401, "unauthorized", "missing or wrong bearer token (Authorization: Bearer …)"
    return None
