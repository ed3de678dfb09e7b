"""Archive enumeration: files, folders (recursive) and .zip archives to a stream of sources."""
from __future__ import annotations

import io
import os
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from training.errors import DataError

MAX_MEMBER_BYTES = 200 * 1024 * 1024  # a zip member larger than this is reported, not read


@dataclass(frozen=True)
class Source:
    """One document: a file on disk, or a member of a zip (possibly nested: `a.zip!b.zip!c.txt`)."""

    path: str                   # the file on disk
    member: str = ""            # path inside the zip archive(s), "!"-separated when nested
    data: bytes | None = None   # filled in when the document travels to another machine
    error: str | None = None    # the source itself could not be listed (bad zip entry …)

    @property
    def key(self) -> str:
        return f"{self.path}!{self.member}" if self.member else self.path

    @property
    def name(self) -> str:
        return self.member.rsplit("!", 1)[-1] if self.member else self.path


def member_name(info: zipfile.ZipInfo) -> str:
    """Zip member names not flagged UTF-8 are GBK/GB18030, as Chinese Windows writes them."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _zip_sources(path: str, handle, prefix: str = "") -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(handle)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Source(path, prefix.rstrip("!"), error=f"not a readable zip archive ({exc})")
        return
    with archive:
        for info in infos:
            if info.is_dir():
                continue
            name = member_name(info)
            if name.startswith("__MACOSX/") or Path(name).name.startswith("._"):
                continue
            member = prefix + name
            if info.file_size > MAX_MEMBER_BYTES:
                yield Source(path, member, error=f"zip member larger than {MAX_MEMBER_BYTES >> 20} MB")
            elif name.lower().endswith(".zip"):
                try:
                    inner = io.BytesIO(archive.read(info))
                except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                    yield Source(path, member, error=f"bad zip entry ({exc})")
                    continue
                yield from _zip_sources(path, inner, member + "!")
            else:
                yield Source(path, member)


def iter_sources(paths: list[str | os.PathLike]) -> Iterator[Source]:
    """Every document under the given files, folders and zips, in a stable sorted order."""
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise DataError(root, None, "no such file or folder")
        files = [root] if root.is_file() else sorted(
            (p for p in root.rglob("*") if p.is_file()), key=lambda p: str(p))
        for file in files:
            if file.suffix.lower() == ".zip":
                try:
                    with open(file, "rb") as handle:
                        yield from _zip_sources(str(file), handle)
                except OSError as exc:
                    yield Source(str(file), error=f"cannot open: {exc.strerror}")
            else:
                yield Source(str(file))


_OPEN: dict = {}  # the archive last read from, kept open: members of one zip come in a row
_OPEN_LOCK = threading.Lock()


def forget_open_archives() -> None:
    """In a freshly forked worker: never share the parent's open archive (and its file offset)."""
    _OPEN.clear()


def _members(path: str) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    """The open archive and its members by (decoded) name; reopened when the file changed."""
    stamp = os.stat(path).st_mtime_ns
    cached = _OPEN.get("archive")
    if cached and cached[0] == path and cached[1] == stamp:
        return cached[2], cached[3]
    if cached:
        cached[2].close()
    archive = zipfile.ZipFile(path)
    names = {member_name(info): info for info in archive.infolist()}
    _OPEN["archive"] = (path, stamp, archive, names)
    return archive, names


def read_source(source: Source) -> bytes:
    """The bytes of a source (from disk or from inside its zip archives); raises OSError etc."""
    if source.data is not None:
        return source.data
    if not source.member:
        with open(source.path, "rb") as handle:
            return handle.read()
    parts = source.member.split("!")
    with _OPEN_LOCK:
        archive, names = _members(source.path)
        info = names.get(parts[0])
        if info is None:
            raise KeyError(f"no member {parts[0]!r}")
        data = archive.read(info)
    for part in parts[1:]:  # nested archives are read from memory
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            info = next((x for x in inner.infolist() if member_name(x) == part), None)
            if info is None:
                raise KeyError(f"no member {part!r}")
            data = inner.read(info)
    return data
