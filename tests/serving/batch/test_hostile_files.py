"""`zongjie tag` on damaged and hostile files made here: each is one error row, the run goes on."""
from __future__ import annotations

import csv
import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

GOOD = "一、学生资助\n全年发放助学金，落实营养改善计划，惠及学生三千余人。\n"


def errors_of(out: Path) -> list[list[str]]:
    text = out.with_name(out.name + ".errors.csv").read_text("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


def tag(cli, trained, *paths, out: Path, **env):
    return cli("tag", *paths, "-o", out, "--models", trained["models"], "--quiet")


def _data_offset(data: bytes, info: zipfile.ZipInfo) -> int:
    n, m = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + n + m


def damaged_zip(path: Path, method: int, damage) -> Path:
    """a.txt, b.txt, c.txt; `damage(bytes, info of b.txt)` spoils b.txt in place."""
    with zipfile.ZipFile(path, "w", method) as z:
        for name in ("a.txt", "b.txt", "c.txt"):
            z.writestr(name, GOOD * (20 if name == "b.txt" else 1))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        damage(data, z.getinfo("b.txt"))
    path.write_bytes(bytes(data))
    return path


def flip_byte(data, info):
    data[_data_offset(data, info) + 3] ^= 0xFF


def garble(data, info):
    offset = _data_offset(data, info)
    data[offset:offset + 20] = b"\xff" * 20


def false_size(data, info):
    pos = data.find(b"PK\x01\x02")
    while data[pos + 46:pos + 51] != b"b.txt":
        pos = data.find(b"PK\x01\x02", pos + 4)
    struct.pack_into("<I", data, pos + 24, 10)  # declared uncompressed size in the directory


def test_a_corrupt_zip_member_is_its_own_error_row_and_the_run_goes_on(cli, trained, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    damaged_zip(folder / "crc.zip", zipfile.ZIP_STORED, flip_byte)
    damaged_zip(folder / "size.zip", zipfile.ZIP_DEFLATED, false_size)
    damaged_zip(folder / "zlib.zip", zipfile.ZIP_DEFLATED, garble)
    out = tmp_path / "t.jsonl"
    result = tag(cli, trained, folder, out=out)
    assert result.code == 2
    assert result.err == ""
    assert errors_of(out) == [
        [str(folder / "crc.zip"), "b.txt", "damaged zip member (Bad CRC-32 for file 'b.txt')", "no"],
        [str(folder / "size.zip"), "b.txt", "damaged zip member (Bad CRC-32 for file 'b.txt')", "no"],
        [str(folder / "zlib.zip"), "b.txt", "damaged zip member (its compressed data is corrupt: "
                                            "Error -3 while decompressing data: invalid block type)", "no"]]
    members = [line.split('"member": "')[1].split('"')[0] for line in out.read_text("utf-8").splitlines()]
    assert members == ["a.txt", "a.txt", "c.txt", "c.txt"] * 3  # two paragraphs each, all kept


def nested(path: Path, depth: int) -> Path:
    data = GOOD.encode()
    name = "report.txt"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr(name, data)
        data, name = buffer.getvalue(), f"level{level}.zip"
    path.write_bytes(data)
    return path


def test_zips_nested_deeper_than_the_limit_are_reported_not_opened(cli, trained, tmp_path):
    out = tmp_path / "t.jsonl"
    result = tag(cli, trained, nested(tmp_path / "deep.zip", 1100), out=out)
    assert result.code == 2
    [row] = errors_of(out)
    assert row[1].count("!") == 7
    assert row[2:] == ["zip nested more than 8 deep (ZONGJIE_MAX_ZIP_DEPTH): not opened", "no"]
    assert out.read_text("utf-8") == ""

    result = tag(cli, trained, nested(tmp_path / "ok.zip", 3), out=tmp_path / "ok.jsonl")
    assert result.code == 0
    assert '"member": "level1.zip!level0.zip!report.txt"' in (tmp_path / "ok.jsonl").read_text("utf-8")


def test_zip_bombs_stop_at_the_unpacked_size_limits(cli, trained, tmp_path, monkeypatch):
    monkeypatch.setenv("ZONGJIE_MAX_DOCUMENT_BYTES", "1000000")
    monkeypatch.setenv("ZONGJIE_MAX_ARCHIVE_BYTES", "2500000")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", b" " * 5_000_000)  # 5 MB of spaces: a few KB packed
        for i in range(4):
            z.writestr(f"part{i}.txt", (GOOD + " " * 900_000).encode())
    out = tmp_path / "t.csv"
    result = tag(cli, trained, bomb, out=out)
    assert result.code == 2
    assert errors_of(out) == [
        [str(bomb), "big.txt", "zip member (4.77 MiB) is larger than 977 KiB "
                               "(ZONGJIE_MAX_DOCUMENT_BYTES): raise the limit to read it", "no"],
        [str(bomb), "part2.txt", "the archive unpacks to more than 2.38 MiB (ZONGJIE_MAX_ARCHIVE_BYTES): "
                                 "the members after this one are not read", "no"],
        [str(bomb), "part3.txt", "the archive unpacks to more than 2.38 MiB (ZONGJIE_MAX_ARCHIVE_BYTES): "
                                 "the members after this one are not read", "no"]]
    assert "part0.txt" in out.read_text("utf-8-sig") and "part1.txt" in out.read_text("utf-8-sig")


def test_a_docx_bomb_a_big_text_file_and_long_paragraphs_are_error_rows(cli, trained, tmp_path, monkeypatch):
    monkeypatch.setenv("ZONGJIE_MAX_DOCUMENT_BYTES", "1000000")
    monkeypatch.setenv("ZONGJIE_MAX_DOCUMENT_CHARS", "200000")
    folder = tmp_path / "in"
    folder.mkdir()
    body = "<w:p><w:r><w:t>全年发放助学金。</w:t></w:r></w:p>" * 60_000
    with zipfile.ZipFile(folder / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                   f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    (folder / "big.txt").write_bytes(GOOD.encode() * 20_000)
    (folder / "chars.txt").write_text(GOOD * 7_000, "utf-8")
    (folder / "line.txt").write_text(GOOD + "很长的一段" * 5_000, "utf-8")
    out = tmp_path / "t.jsonl"
    result = tag(cli, trained, folder, out=out)
    assert result.code == 2
    assert errors_of(out) == [
        [str(folder / "big.txt"), "", "the file (1.87 MiB) is larger than 977 KiB "
                                      "(ZONGJIE_MAX_DOCUMENT_BYTES): raise the limit to read it", "no"],
        [str(folder / "bomb.docx"), "", "its text part (word/document.xml) (3.26 MiB) is larger than "
                                        "977 KiB (ZONGJIE_MAX_DOCUMENT_BYTES): raise the limit to read it", "no"],
        [str(folder / "chars.txt"), "", "more than 200,000 characters of text (ZONGJIE_MAX_DOCUMENT_CHARS): "
                                        "split the document or raise the limit", "no"],
        [str(folder / "line.txt"), "", "paragraph 3 has 25,000 characters; at most 20,000 "
                                       "(ZONGJIE_MAX_PARAGRAPH_CHARS): a file without line breaks? "
                                       "split it or raise the limit", "no"]]


def test_html_text_after_a_huge_text_node_is_kept(cli, trained, tmp_path, monkeypatch):
    monkeypatch.setenv("ZONGJIE_MAX_DOCUMENT_CHARS", "20000000")
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>" + " " * 11_000_000 + "全年发放助学金。</p>"
                    "<p>下半年将新建幼儿园两所。</p></body></html>", "utf-8")
    out = tmp_path / "t.jsonl"
    assert tag(cli, trained, page, out=out).code == 0
    texts = [line.split('"text": "')[1].split('"')[0] for line in out.read_text("utf-8").splitlines()]
    assert texts == ["全年发放助学金。", "下半年将新建幼儿园两所。"]


def test_fifos_devices_and_symlinks_are_reported_not_read(cli, trained, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, "utf-8")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    os.mkfifo(folder / "pipe.txt")
    fifo = tmp_path / "given.txt"
    os.mkfifo(fifo)
    out = tmp_path / "t.csv"
    result = tag(cli, trained, folder, fifo, "/dev/zero", out=out)
    assert result.code == 2
    assert errors_of(out) == [
        [str(folder / "passwd.txt"), "", "a symbolic link: not followed (give its target to read it)", "yes"],
        [str(folder / "pipe.txt"), "", "a FIFO, not a file: not read", "yes"],
        [str(fifo), "", "a FIFO, not a file: cannot read it", "no"],
        ["/dev/zero", "", "a character device, not a file: cannot read it", "no"]]
    assert "root:" not in out.read_text("utf-8-sig")


def test_a_full_disk_is_a_message_and_resume_then_finishes(cli, trained, tmp_path, monkeypatch, archive_dir):
    import errno

    from serving.batch import output

    out = tmp_path / "t.jsonl"
    real_write = output.RowSink.write
    calls = []

    def full(self, data):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(output.RowSink, "write", full)
    result = tag(cli, trained, archive_dir, out=out)
    assert result.code == 1
    assert result.err == (f"Error: {out}: cannot write: No space left on device (the disk is full): "
                          "free some space, then continue with --resume\n")
    monkeypatch.setattr(output.RowSink, "write", real_write)
    result = cli("tag", archive_dir, "-o", out, "--models", trained["models"], "--quiet", "--resume")
    assert result.code == 0
    assert len(out.read_text("utf-8").splitlines()) == 6


@pytest.fixture
def archive_dir(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(3):
        (folder / f"r{i}.txt").write_text(GOOD, "utf-8")
    return folder


def test_an_empty_output_left_by_a_kill_before_the_journal_does_not_block_a_rerun(cli, trained, tmp_path,
                                                                                    archive_dir):
    out = tmp_path / "t.jsonl"
    out.write_bytes(b"")  # killed after creating the output, before writing the journal
    result = tag(cli, trained, archive_dir, out=out)
    assert result.code == 0
    assert len(out.read_text("utf-8").splitlines()) == 6


@pytest.mark.integration
def test_spool_folders_of_killed_runs_are_removed_at_the_next_run(trained, tmp_path, archive_dir):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"zongjie-tag-{dead.pid}-abc"
    stale.mkdir()
    (stale / "x.rows").write_bytes(b"rows of a killed worker")
    env = dict(os.environ, TMPDIR=str(tmp_path))
    script = Path(sys.executable).parent / "zongjie"
    done = subprocess.run([str(script), "tag", str(archive_dir), "-o", str(tmp_path / "t.jsonl"),
                           "--models", str(trained["models"]), "--workers", "2", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not stale.exists()
    assert [p.name for p in tmp_path.glob("zongjie-tag-*")] == []
