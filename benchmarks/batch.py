"""Batch tagging throughput: builds an archive of >= 50,000 distinct paragraphs in mixed formats
(GBK and UTF-8 .txt, .docx, .html, .pdf, and a .zip of .txt), then times whole commands, end to
end (start-up, read, split, segment, featurise, predict, write), each in a process of its own:

- the straightforward pipeline as issue #7 names it (benchmarks/_straightforward_tag.py:
  jieba.lcut + TfidfVectorizer + OneVsRestClassifier(LogisticRegression), fitted here on labels/);
- the reference pipeline (benchmarks/_reference_tag.py: zongjie's own scikit-learn Pipeline, the
  one the fast path must equal);
- `zongjie tag` with --workers 1 and --workers 2.

The two baselines read, split and write with zongjie's own code, so only the model path differs.
Prints paragraphs/s, MB/s, peak memory (sampled over the process tree), ratios, and whether
zongjie's outputs are byte for byte the reference pipeline's.

Run: `.venv/bin/python benchmarks/batch.py [--paragraphs 50000] [--repeats 3] [--keep DIR]`
"""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import psutil

from _common import ROOT, ensure_model, sample_paragraphs, zongjie

PER_DOC = 40


def build_archive(root: Path, paragraphs: int, seed: int = 0) -> tuple[int, int]:
    """Documents of 40 paragraphs drawn from the labelled texts, in rotating formats."""
    from docx import Document

    rnd = random.Random(seed)
    # Distinct paragraphs (a real archive repeats little): sentences of several labelled
    # paragraphs recombined, so no segmentation cache can help.
    sentences = [s + "。" for t in sample_paragraphs() for s in t.split("。") if len(s) > 4]
    docs = (paragraphs + PER_DOC - 1) // PER_DOC
    (root / "txt").mkdir(parents=True)
    (root / "docx").mkdir()
    (root / "html").mkdir()
    (root / "pdf").mkdir()
    zipped = zipfile.ZipFile(root / "archive.zip", "w", zipfile.ZIP_DEFLATED)
    count = 0
    for d in range(docs):
        body = [f"某地教育局工作总结（第{d}号）"] + [
            "".join(rnd.sample(sentences, rnd.randint(1, 3))) for _ in range(PER_DOC - 1)]
        count += len(body)
        kind = d % 10
        if kind < 3:
            (root / "txt" / f"{d:05d}.txt").write_bytes("\r\n".join(body).encode("gb18030"))
        elif kind < 5:
            zipped.writestr(f"reports/{d:05d}.txt", "\n".join(body).encode("utf-8"))
        elif kind < 7:
            doc = Document()
            for line in body:
                doc.add_paragraph(line)
            doc.save(root / "docx" / f"{d:05d}.docx")
        elif kind < 9:
            html = "".join(f"<p>{line}</p>" for line in body)
            (root / "html" / f"{d:05d}.html").write_text(
                f"<html><head><meta charset='utf-8'></head><body>{html}</body></html>", encoding="utf-8")
        else:
            make_pdf(root / "pdf" / f"{d:05d}.pdf", body)
    zipped.close()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    return count, size


def make_pdf(path: Path, lines: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    y = 800
    for line in lines:
        for start in range(0, len(line), 40):  # hard-wrapped, as PDFs are
            if y < 50:
                c.showPage()
                y = 800
            c.setFont("STSong-Light", 10)
            c.drawString(40, y, line[start:start + 40])
            y -= 14
    c.save()


def peak_rss(proc: psutil.Process, stop: threading.Event, out: dict) -> None:
    while not stop.is_set():
        try:
            procs = [proc] + proc.children(recursive=True)
            rss = [p.memory_info().rss for p in procs]
            out["total"] = max(out.get("total", 0), sum(rss))
            out["largest"] = max(out.get("largest", 0), max(rss))
        except psutil.Error:
            pass
        time.sleep(0.05)


def timed(cmd: list[str]) -> tuple[float, dict]:
    """Wall-clock seconds of a whole command (start-up included) and its peak memory."""
    memory: dict = {}
    stop = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    sampler = threading.Thread(target=peak_rss, args=(psutil.Process(proc.pid), stop, memory))
    sampler.start()
    code = proc.wait()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if code not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed with exit status {code}")
    return seconds, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the median is shown")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive in this folder")
    args = parser.parse_args()
    version = ensure_model()
    tmp = Path(tempfile.mkdtemp(prefix="zongjie-bench-"))
    archive = args.keep or tmp / "archive"
    try:
        if not archive.exists():
            start = time.perf_counter()
            n, size = build_archive(archive, args.paragraphs)
            print(f"built {n} paragraphs, {size / 1e6:.1f} MB in {time.perf_counter() - start:.0f} s")
        size = sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
        print(f"archive {archive} ({size / 1e6:.1f} MB), model {version}; wall clock of each whole "
              f"command, zongjie's the median of {args.repeats} runs\n")
        print(f"{'run':<38} {'seconds':>8} {'paragraphs/s':>13} {'MB/s':>6} {'peak RSS total':>15} "
              f"{'largest process':>16}")
        here = ROOT / "benchmarks"
        subprocess.run([sys.executable, str(here / "_straightforward_tag.py"), "fit", str(tmp / "sf.joblib")],
                       check=True, stderr=subprocess.DEVNULL)
        runs = [("straightforward", "straightforward (jieba.lcut, sklearn)", 1,
                 [sys.executable, str(here / "_straightforward_tag.py"), "tag", str(tmp / "sf.joblib")]),
                ("reference", "reference pipeline (scikit-learn)", 1,
                 [sys.executable, str(here / "_reference_tag.py")]),
                (1, "zongjie tag --workers 1", args.repeats, [*zongjie(), "tag"]),
                (2, "zongjie tag --workers 2", args.repeats, [*zongjie(), "tag"])]
        rates, outputs = {}, {}
        for key, name, repeats, cmd in runs:
            out = tmp / f"out{key}.jsonl"
            if isinstance(key, str):  # a baseline: ARCHIVE OUT
                cmd = [*cmd, str(archive), str(out)]
            else:
                cmd = [*cmd, str(archive), "-o", str(out), "--workers", str(key), "--quiet", "--overwrite"]
            results = sorted((timed(cmd) for _ in range(repeats)), key=lambda r: r[0])
            seconds, memory = results[len(results) // 2]
            lines = sum(1 for _ in open(out, encoding="utf-8"))
            rates[key] = lines / seconds
            outputs[key] = out.read_bytes()
            print(f"{name:<38} {seconds:>8.2f} {lines / seconds:>13.0f} {size / 1e6 / seconds:>6.2f} "
                  f"{memory.get('total', 0) / 2**20:>12.0f} MB {memory.get('largest', 0) / 2**20:>13.0f} MB")
        same = "identical" if outputs[1] == outputs[2] == outputs["reference"] else "DIFFERENT"
        print(f"\n{lines} paragraphs tagged; zongjie's outputs and the reference pipeline's are {same} "
              f"(the straightforward pipeline is another model: its speed only is compared).")
        print(f"--workers 1 vs the straightforward pipeline: {rates[1] / rates['straightforward']:.1f}x, "
              f"vs the reference pipeline: {rates[1] / rates['reference']:.1f}x; "
              f"--workers 2 vs --workers 1: {rates[2] / rates[1]:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
