"""The pages for people: the review page (`/`) with its script and style, and `/redoc`, which
points to /docs."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serving.api.errors import ApiError
from serving.api.static import STATIC_DIR, page

router = APIRouter()

ASSETS = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
def home():
    return HTMLResponse(page("index.html"))


@router.get("/assets/{name}", include_in_schema=False)
def asset(name: str):
    """The review page's scripts and style sheet, shipped in serving/static/."""
    path = STATIC_DIR / name
    kind = ASSETS.get(path.suffix)
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        raise ApiError(404, "not_found", f"no asset {name!r}")
    return Response(path.read_bytes(), media_type=kind, headers={"Cache-Control": "no-cache"})


@router.get("/redoc", include_in_schema=False)
def redoc():
    return RedirectResponse("docs")
