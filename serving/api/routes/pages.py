"""The pages for people: the home page (`/`) and `/redoc`, which points to /docs."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from ..static import page

router = APIRouter()


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
def home():
    return HTMLResponse(page("index.html"))


@router.get("/redoc", include_in_schema=False)
def redoc():
    return RedirectResponse("docs")
