"""Hostile input, measured: peak memory (RSS) of `zongjie tag` on each hostile file of issue 16,
its exit status and what its errors file says; then a real server's memory while many clients
send large bodies and stall.

Run: `.venv/bin/python benchmarks/hostile.py [--only NAME …] [--clients 200] [--skip-server]`
(writes its files under a temporary folder; the 2 GB text file is sparse, the bombs are small)
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import socket
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
import psutil

from _common import ROOT, ensure_model, free_port, zongjie

GOOD = "一、学生资助\n全年发放助学金，落实营养改善计划，惠及学生三千余人。\n"
MiB = 1 << 20


def big_txt(path: Path) -> Path:
    with open(path, "wb") as out:  # 2 GB, sparse: no disk used
        out.write(GOOD.encode())
        out.truncate(2 << 30)
    return path


def zip_of_big_members(path: Path) -> Path:
    block = GOOD.encode() * (MiB // len(GOOD.encode()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for i in range(5):
            with z.open(f"m{i}.txt", "w", force_zip64=True) as member:
                for _ in range(190):
                    member.write(block)
    return path


def docx_bomb(path: Path) -> Path:
    paragraph = "<w:p><w:r><w:t>全年发放助学金。</w:t></w:r></w:p>".encode() * 10_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            for _ in range(400 * MiB // len(paragraph)):
                part.write(paragraph)
            part.write(b"</w:body></w:document>")
    return path


def huge_html(path: Path) -> Path:
    path.write_text("<html><body><p>" + " " * 11_000_000 + "全年发放助学金。</p><p>下半年将新建幼儿园。</p>"
                    "</body></html>", "utf-8")
    return path


def deep_zip(path: Path) -> Path:
    data, name = GOOD.encode(), "report.txt"
    for level in range(1100):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr(name, data)
        data, name = buffer.getvalue(), f"l{level}.zip"
    path.write_bytes(data)
    return path


def corrupt_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name in ("a.txt", "b.txt", "c.txt"):
            z.writestr(name, GOOD)
    data = bytearray(path.read_bytes())
    data[data.find(b"b.txt") + 5 + 3] ^= 0xFF  # inside b.txt's data: a bad CRC
    path.write_bytes(bytes(data))
    return path


def largest_allowed(path: Path) -> Path:
    """Just inside every default limit: 4.9 million characters in short lines."""
    line = "全年发放助学金{}元，落实营养改善计划，惠及学生三千余人，开展防溺水教育。\n"
    path.write_text("".join(line.format(i) for i in range(4_800_000 // (len(line) + 4))), "utf-8")
    return path


def docx_just_under(path: Path) -> Path:
    """A docx whose text part is 60 MB: streamed, stopped by the character limit."""
    paragraph = "<w:p><w:r><w:t>全年发放助学金，落实营养改善计划。</w:t></w:r></w:p>".encode() * 1000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/document.xml", "w") as part:
            part.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            for _ in range(60 * MiB // len(paragraph)):
                part.write(paragraph)
            part.write(b"</w:body></w:document>")
    return path


FILES = {"largest text within the limits": ("allowed.txt", largest_allowed),
         "docx, 60 MB text part": ("under.docx", docx_just_under),
"2 GB .txt": ("big.txt", big_txt), "zip, 5 × 190 MiB members": ("members.zip", zip_of_big_members),
         "docx bomb, 400 MB of paragraphs": ("bomb.docx", docx_bomb),
         "HTML, 11 MB text node": ("page.html", huge_html), "zips nested 1,100 deep": ("deep.zip", deep_zip),
         "zip with a bad CRC member": ("crc.zip", corrupt_zip)}


def peak_rss_of(command: list[str]) -> tuple[int, float, int]:
    """(exit status, seconds, peak RSS in bytes) of a command (its own rusage, via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - start, usage.ru_maxrss * 1024


def files(root: Path, only: list[str] | None) -> None:
    print(f"{'file':<34} {'size':>10} {'exit':>4} {'seconds':>8} {'peak RSS':>9}  errors file")
    for label, (name, make) in FILES.items():
        if only and not any(o.lower() in label.lower() for o in only):
            continue
        path = make(root / name)
        out = root / f"{name}.jsonl"
        code, seconds, rss = peak_rss_of([*zongjie(), "tag", str(path), "-o", str(out), "--overwrite",
                                          "--quiet", "--models", str(ROOT / "models")])
        errors = out.with_name(out.name + ".errors.csv")
        problems = ([row[2] for row in csv.reader(io.StringIO(errors.read_text("utf-8-sig")))][1:]
                    if errors.exists() else [])
        shown = "; ".join(sorted(set(problems)))[:110] or "(none)"
        print(f"{label:<34} {path.stat().st_size / MiB:>8.1f}MB {code:>4} {seconds:>8.1f} "
              f"{rss / MiB:>7.0f}MB  {shown}")
        path.unlink()


def stalling_clients(clients: int, body_mb: float) -> None:
    """`clients` connections each send most of a body just under the limit, then stall."""
    port = free_port()
    env = dict(os.environ, ZONGJIE_BODY_TIMEOUT="20")
    server = subprocess.Popen([*zongjie(), "serve", "--port", str(port), "--models", str(ROOT / "models"),
                               "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        process = psutil.Process(server.pid)
        before = sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
        size = int(body_mb * MiB)
        head = (f"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {size + 10}\r\n\r\n").encode()
        sockets, peak, refused = [], before, 0
        chunk = b"x" * 65536
        for _ in range(clients):
            s = socket.create_connection(("127.0.0.1", port))
            s.setblocking(False)
            s.sendall(head)
            sockets.append(s)
        deadline = time.monotonic() + 15
        sent = [0] * clients
        while time.monotonic() < deadline and min(sent) < size:
            for i, s in enumerate(sockets):
                if sent[i] < size:
                    try:
                        sent[i] += s.send(chunk)
                    except (BlockingIOError, ConnectionError):
                        continue
            rss = sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
            peak = max(peak, rss)
        time.sleep(2)
        peak = max(peak, sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]))
        for s in sockets:
            try:
                refused += b" 503 " in s.recv(200)
            except (BlockingIOError, ConnectionError):
                pass
            s.close()
        print(f"\n{clients} clients sending {body_mb} MB each and stalling: server RSS "
              f"{before / MiB:.0f} MB before, peak {peak / MiB:.0f} MB "
              f"({sum(sent) / MiB:.0f} MB sent; {refused} answered 503 busy so far)")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="files whose label contains one of these words")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--body-mb", type=float, default=4.7)
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    ensure_model()
    with tempfile.TemporaryDirectory(prefix="zongjie-hostile-") as tmp:
        files(Path(tmp), args.only)
    if not args.skip_server:
        stalling_clients(args.clients, args.body_mb)


if __name__ == "__main__":
    main()
