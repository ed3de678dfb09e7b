"""Where the API's files are: the pages in serving/static/ and Swagger UI's assets for /docs."""
from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent.parent / "static"  # packaged as data (pyproject: "serving.static")
DOCS_URL = "/docs"  # Swagger UI, served by fastapi-offline (it keeps app.docs_url None)
DOCS_ASSETS = "/static/docs"  # Swagger UI's script, style and icon, from the fastapi-offline package


def page(name: str) -> str:
    """The text of a page in STATIC_DIR."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")
