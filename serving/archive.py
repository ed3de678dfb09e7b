"""Archive enumeration: files, folders (recursive) and .zip archives to a stream of sources."""
from __future__ import annotations

import os
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
                    import io

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


def read_source(source: Source) -> bytes:
    """The bytes of a source (from disk or from inside its zip archives); raises OSError etc."""
    if source.data is not None:
        return source.data
    if not source.member:
        with open(source.path, "rb") as handle:
            return handle.read()
    import io

    parts = source.member.split("!")
    handle = open(source.path, "rb")
    try:
        for i, part in enumerate(parts):
            with zipfile.ZipFile(handle) as archive:
                info = next((x for x in archive.infolist() if member_name(x) == part), None)
                if info is None:
                    raise KeyError(f"no member {part!r}")
                data = archive.read(info)
            if i < len(parts) - 1:
                handle.close()
                handle = io.BytesIO(data)
        return data
    finally:
        handle.close()
