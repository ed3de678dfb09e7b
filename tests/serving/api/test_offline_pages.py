"""Every page the server sends works on an intranet: its scripts, styles and icons come from the
server itself (shipped in the package), and nothing it sends points a browser at another host."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient
from lxml import html

from serving.api.app import create_app
from serving.settings import Settings

BASE = "http://testserver"
PAGES = ["/", "/docs", "/redoc", "/docs/oauth2-redirect"]
URL = re.compile(r"https?://[^\s\"'<>)\\]+")
# What makes a browser fetch something: an element's src/href (as markup or as a React prop),
# a style sheet's url() or @import.
LOADS = re.compile(r"""(?:\bsrc|\bhref)\s*[:=]\s*["']?https?://|url\(\s*["']?https?://|@import""")


def outside(text: str) -> list[str]:
    return [u for u in URL.findall(text) if urlsplit(u).netloc != urlsplit(BASE).netloc]


def references(page: str, text: str) -> list[str]:
    tree = html.fromstring(text)
    found = tree.xpath("//script/@src | //link/@href | //img/@src | //a/@href | //iframe/@src")
    return [urljoin(BASE + page, ref) for ref in found]


def test_pages_and_their_assets_come_from_the_server_alone(trained):
    app = create_app(Settings(models_dir=trained["models"]))
    with TestClient(app, base_url=BASE) as client:
        assets, links = set(), set()
        for page in PAGES:
            r = client.get(page)  # /redoc answers with a redirect to /docs, followed
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), page
            assert outside(r.text) == [], page
            for ref in references(page, r.text):
                assert urlsplit(ref).netloc == "testserver", (page, ref)
                path = urlsplit(ref).path
                (assets if re.search(r"\.(js|css|png|ico)$", path) else links).add(path)
        assert {p.rsplit("/", 1)[-1] for p in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
        for path in sorted(assets):
            r = client.get(path)
            assert r.status_code == 200 and len(r.content) > 100, path
            if not path.endswith(".png"):
                assert LOADS.findall(r.text) == [], path
        docs = client.get("/docs").text
        assert '"validatorUrl": null' in docs  # Swagger UI's badge would ask validator.swagger.io
        spec = client.get("/openapi.json")
        assert spec.status_code == 200 and outside(spec.text) == []
        for path in sorted(links):
            assert client.get(path).status_code == 200, path


def test_the_home_page_is_chinese_and_links_to_the_docs(trained):
    with TestClient(create_app(Settings(models_dir=trained["models"])), base_url=BASE) as client:
        r = client.get("/")
        assert r.status_code == 200
        tree = html.fromstring(r.text)
        assert tree.get("lang") == "zh-CN" and "段落标签服务" in tree.findtext(".//title")
        assert "docs" in tree.xpath("//a/@href")
        assert "/" not in client.get("/openapi.json").json()["paths"]  # pages are not API
