"""Archive enumeration: files, folders (recursive) and .zip archives to a stream of sources."""
from __future__ import annotations

import io
import os
import stat
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from training.errors import DataError

from serving.batch.limits import Limits, ReadError, read_bounded, size_text

# What a damaged or hostile zip can raise while it is listed or read.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
              RuntimeError, NotImplementedError, KeyError, MemoryError, RecursionError)


@dataclass(frozen=True)
class Source:
    """One document: a file on disk, or a member of a zip (possibly nested: `a.zip!b.zip!c.txt`)."""

    path: str                   # the file on disk
    member: str = ""            # path inside the zip archive(s), "!"-separated when nested
    data: bytes | None = None   # filled in when the document travels to another machine
    error: str | None = None    # the source itself could not be listed (bad zip entry …)
    skipped: bool = False       # `error` says why it is not read on purpose (a symlink, a FIFO)

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


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """A member's bytes, bounded by the per-document limit (a false declared size, a bad CRC or
    damaged data raise; the caller makes the member's error row)."""
    if info.file_size > limits.document_bytes:
        raise limits.too_large("zip member", info.file_size)
    with archive.open(info) as member:
        return read_bounded(member, limits, "zip member")


class _Budget:
    """Unpacked bytes left for one archive on disk (its members and theirs)."""

    def __init__(self, limits: Limits):
        self.left, self.limits = limits.archive_bytes, limits

    def take(self, n: int) -> str | None:
        self.left -= n
        if self.left < 0:
            return (f"the archive unpacks to more than {size_text(self.limits.archive_bytes)} "
                    "(ZONGJIE_MAX_ARCHIVE_BYTES): the members after this one are not read")
        return None


def _zip_sources(path: str, handle, limits: Limits, budget: _Budget, prefix: str = "",
                 depth: int = 1) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(handle)
        infos = archive.infolist()
    except ZIP_ERRORS as exc:
        yield Source(path, prefix.rstrip("!"), error=f"not a readable zip archive ({_reason(exc)})")
        return
    with archive:
        for info in infos:
            if info.is_dir():
                continue
            name = member_name(info)
            if name.startswith("__MACOSX/") or Path(name).name.startswith("._"):
                continue
            member = prefix + name
            if info.file_size > limits.document_bytes:  # not unpacked: not counted
                yield Source(path, member, error=str(limits.too_large("zip member", info.file_size)))
            elif over := budget.take(info.file_size):
                yield Source(path, member, error=over)
            elif name.lower().endswith(".zip"):
                if depth >= limits.zip_depth:
                    yield Source(path, member, error=f"zip nested more than {limits.zip_depth} deep "
                                 "(ZONGJIE_MAX_ZIP_DEPTH): not opened")
                    continue
                try:
                    inner = io.BytesIO(read_member(archive, info, limits))
                except ZIP_ERRORS + (ReadError,) as exc:
                    yield Source(path, member, error=f"bad zip entry ({_reason(exc)})")
                    continue
                yield from _zip_sources(path, inner, limits, budget, member + "!", depth + 1)
            else:
                yield Source(path, member)


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _files(root: Path) -> Iterator[Source | Path]:
    """The regular files under a folder (sorted); symlinks and special files as skipped sources."""
    for entry in sorted(root.rglob("*"), key=str):
        try:
            mode = entry.lstat().st_mode
        except OSError as exc:
            yield Source(str(entry), error=f"cannot open: {exc.strerror}")
            continue
        if stat.S_ISDIR(mode):
            continue
        if stat.S_ISLNK(mode):
            yield Source(str(entry), error="a symbolic link: not followed (give its target to read it)",
                         skipped=True)
        elif stat.S_ISREG(mode):
            yield entry
        else:
            yield Source(str(entry), error=f"{_kind(mode)}, not a file: not read", skipped=True)


def iter_sources(paths: Sequence[str | os.PathLike], limits: Limits = Limits()) -> Iterator[Source]:
    """Every document under the given files, folders and zips, in a stable sorted order."""
    for given in paths:
        root = Path(given)
        try:
            mode = root.stat().st_mode
        except FileNotFoundError:
            raise DataError(root, None, "no such file or folder") from None
        except OSError as exc:
            yield Source(str(root), error=f"cannot open: {exc.strerror}")
            continue
        files: Iterable[Source | Path]
        if stat.S_ISDIR(mode):
            files = _files(root)
        elif stat.S_ISREG(mode):
            files = [root]
        else:
            yield Source(str(root), error=f"{_kind(mode)}, not a file: cannot read it")
            continue
        for file in files:
            if isinstance(file, Source):
                yield file
            elif file.suffix.lower() == ".zip":
                try:
                    with open(file, "rb") as handle:
                        yield from _zip_sources(str(file), handle, limits, _Budget(limits))
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


def _read_file(path: str, limits: Limits) -> bytes:
    """A regular file's bytes (never blocks on a FIFO that replaced it since it was listed)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{_kind(info.st_mode)}, not a file")
        if info.st_size > limits.document_bytes:
            raise limits.too_large("the file", info.st_size)
        return read_bounded(handle, limits, "the file")


def read_source(source: Source, limits: Limits = Limits()) -> bytes:
    """The bytes of a source (from disk or from inside its zip archives); raises OSError etc."""
    if source.data is not None:
        return source.data
    if not source.member:
        return _read_file(source.path, limits)
    parts = source.member.split("!")
    with _OPEN_LOCK:
        archive, names = _members(source.path)
        info = names.get(parts[0])
        if info is None:
            raise KeyError(f"no member {parts[0]!r}")
        data = read_member(archive, info, limits)
    for part in parts[1:]:  # nested archives are read from memory
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            info = next((x for x in inner.infolist() if member_name(x) == part), None)
            if info is None:
                raise KeyError(f"no member {part!r}")
            data = read_member(inner, info, limits)
    return data
