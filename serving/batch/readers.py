"""Document readers: bytes of a .txt/.md/.docx/.html/.pdf/.doc/.wps file to plain text."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from serving.batch.limits import (BoundedStream, EncryptedPdf, Limits, NoTextLayer, ReadError, Skipped,
                                  UnsupportedType)

TEXT_TYPES = {".txt", ".md", ".text"}
HTML_TYPES = {".html", ".htm", ".xhtml"}
OFFICE_TYPES = {".doc", ".wps"}
SUPPORTED = TEXT_TYPES | HTML_TYPES | OFFICE_TYPES | {".docx", ".pdf"}




def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK, in that order."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise ReadError("cannot detect the text encoding (not UTF-8, UTF-16 with BOM or GBK/GB18030)")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes, limits: Limits = Limits()) -> str:
    """Paragraphs and table cells of a .docx, in document order, streamed from its XML: each
    top-level paragraph or table is freed once read, and the part's unpacked size is bounded."""
    import zipfile
    import zlib

    from lxml import etree

    paragraph, table = f"{_W}p", f"{_W}tbl"
    lines: list[str] = []
    chars = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            info = package.getinfo("word/document.xml")
            if info.file_size > limits.document_bytes:
                raise limits.too_large("its text part (word/document.xml)", info.file_size)
            with package.open(info) as part:
                stream = BoundedStream(part, limits, "its text part (word/document.xml)")
                for _, element in etree.iterparse(stream, events=("end",), tag=(paragraph, table),
                                                  resolve_entities=False, no_network=True):
                    parent = element.getparent()
                    if parent is None or parent.tag != f"{_W}body":
                        continue  # a paragraph in a table or text box: read with its container
                    found = _docx_lines(element) if element.tag == table else [
                        "".join(element.itertext(f"{_W}t"))]
                    chars += sum(len(line) + 1 for line in found)
                    limits.check_chars(chars)
                    lines.extend(found)
                    element.clear()
                    while element.getprevious() is not None:
                        del parent[0]
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError, OSError, EOFError,
            zlib.error, NotImplementedError, RuntimeError):
        raise ReadError("not a valid .docx file (damaged, or not a Word 2007+ document)") from None
    return "\n".join(lines)


def _docx_lines(table) -> list[str]:
    lines: list[str] = []
    for row in table.iter(f"{_W}tr"):
        seen: list[str] = []
        for p in row.iter(f"{_W}p"):
            text = "".join(p.itertext(f"{_W}t"))
            if text.strip() and text not in seen:  # merged cells repeat their text
                seen.append(text)
        lines.extend(seen)
    return lines


_BLOCK = frozenset({"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                    "section", "article", "table", "ul", "ol", "blockquote", "pre", "title", "hr"})
_HIDDEN = frozenset({"script", "style", "head", "noscript", "template", "svg"})
# A site's furniture around the document: navigation, banners, footers, side bars.
_FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside"})
_FURNITURE_NAMES = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|header|footer|breadcrumbs?|crumbs?|sidebar|"
                              r"banner|copyright|topbar|site-?info)(?:$|[\s_-])", re.IGNORECASE)
_FURNITURE_LINE = re.compile(r"版权所有|copyright|©|ICP备|公网安备|技术支持[:：]|主办单位[:：]|承办单位[:：]|"
                             r"网站地图|设为首页|加入收藏|您当前的位置|当前位置[:：]", re.IGNORECASE)


def _hidden(element, tag: str | None) -> bool:
    """Invisible (scripts, styles) or the site's furniture rather than the document."""
    if tag in _HIDDEN or tag in _FURNITURE_TAGS:
        return True
    names = f"{element.get('class', '')} {element.get('id', '')}" if tag is not None else ""
    return bool(names.strip()) and bool(_FURNITURE_NAMES.search(names))


_NAV_SEPARATOR = re.compile(r"\s*[|｜·]\s*")


def _is_nav_bar(line: str) -> bool:
    """A navigation bar: three or more short items split by | ｜ or ·."""
    if "|" not in line and "｜" not in line and "·" not in line:
        return False
    items = [x for x in _NAV_SEPARATOR.split(line) if x.strip()]
    return len(items) >= 3 and all(len(x) <= 8 for x in items)


def _without_furniture(text: str) -> str:
    """The lines of a page's text less its footer lines and navigation bars (the footer pattern
    searched once over the whole text, not line by line)."""
    lines = text.split("\n")
    footer, line, at = set(), 0, 0
    for match in _FURNITURE_LINE.finditer(text):
        line += text.count("\n", at, match.start())
        at = match.start()
        footer.add(line)
    return "\n".join(line for i, line in enumerate(lines) if i not in footer and not _is_nav_bar(line.strip()))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def read_html(data: bytes, limits: Limits = Limits()) -> str:
    """The visible text of an HTML page, one block element per line (lxml's HTML parser, with
    text nodes of any size: by default libxml2 drops what follows one over 10 MB)."""
    from lxml import etree, html

    match = _META_CHARSET.search(data[:4096])
    text = None
    if match:
        try:
            text = data.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            text = None
    text = _XML_DECLARATION.sub("", text if text is not None else decode_text(data))
    limits.check_chars(len(text))
    if not text.strip():
        return ""
    try:
        root = html.document_fromstring(text, parser=html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError):
        return ""
    parts: list[str] = []
    hidden = 0
    for event, element in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        tag = element.tag if isinstance(element.tag, str) else None  # None: comment, PI
        if event in ("comment", "pi"):  # invisible, but the text after it is not
            if not hidden and element.tail:
                parts.append(element.tail.replace("\n", " "))
        elif event == "start":
            if _hidden(element, tag):
                hidden += 1
            elif tag in _BLOCK:
                parts.append("\n")
            if not hidden and tag is not None and element.text:
                parts.append(element.text.replace("\n", " "))
        else:
            if _hidden(element, tag):
                hidden -= 1
            elif tag in _BLOCK:
                parts.append("\n")
            if not hidden and element.tail:  # the text after an element belongs to its parent
                parts.append(element.tail.replace("\n", " "))
    return _without_furniture("".join(parts))


def read_pdf(data: bytes, limits: Limits = Limits()) -> str:
    """The text layer of a PDF (PDFium); a PDF without one is an error, not an empty document."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPdf("encrypted PDF (needs a password)") from None
        raise ReadError(f"not a readable PDF ({exc})") from None
    try:
        pages, chars = [], 0
        for i in range(len(pdf)):
            page = pdf[i]
            text = page.get_textpage().get_text_bounded()
            chars += len(text)
            limits.check_chars(chars)
            pages.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    except pdfium.PdfiumError as exc:
        raise ReadError(f"not a readable PDF ({exc})") from None
    finally:
        pdf.close()
    if not any(p.strip() for p in pages):
        raise NoTextLayer("PDF has no text layer (a scan?): run OCR on it first")
    return "\f".join(pages)  # form feeds keep the page breaks for the splitter


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_office(data: bytes, suffix: str) -> str:
    """.doc / .wps through LibreOffice, when it is installed."""
    binary = libreoffice()
    if binary is None:
        raise Skipped(f"{suffix} needs LibreOffice to convert it, and it is not installed "
                      "(apt-get install libreoffice-writer)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"in{suffix}"
        source.write_bytes(data)
        try:
            subprocess.run([binary, "--headless", "--convert-to", "txt:Text (encoded):UTF8",
                            "--outdir", tmp, str(source)], capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            raise ReadError("LibreOffice took more than 120 s to convert it") from None
        out = Path(tmp) / "in.txt"
        if not out.exists():
            raise ReadError("LibreOffice could not convert it")
        return decode_text(out.read_bytes())


def preload_readers() -> None:
    """Import the parsing libraries now (each reader imports its own on first use): done once
    in the batch labeller's parent, so forked workers start with them."""
    import zipfile  # noqa: F401

    import pypdfium2  # noqa: F401
    from lxml import etree, html  # noqa: F401


def read_document(name: str, data: bytes, limits: Limits = Limits()) -> tuple[str, bool | None]:
    """(text, hard_wrapped: None when the splitter is to tell) of a file's bytes, by its
    extension; raises a ReadError (Skipped, UnsupportedType, …)."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_TYPES:
        text, wrapped = decode_text(data), None
    elif suffix == ".docx":
        text, wrapped = read_docx(data, limits), False
    elif suffix in HTML_TYPES:
        text, wrapped = read_html(data, limits), False
    elif suffix == ".pdf":
        text, wrapped = read_pdf(data, limits), True
    elif suffix in OFFICE_TYPES:
        text, wrapped = read_office(data, suffix), False
    else:
        raise UnsupportedType(f"unsupported file type {suffix or '(no extension)'}")
    limits.check_chars(len(text))
    return text, wrapped
