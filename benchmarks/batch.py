"""Batch tagging throughput: builds an archive of >= 50,000 distinct paragraphs, then times whole
commands, end to end (start-up, read, split, segment, featurise, predict, write), each in a
process of its own.

Archives (`--archive`):
- realistic (the default, benchmarks/_realistic.py): whole report paragraphs of real length with
  headings, tables, ㎡ ①② ℃ …… 〇, full-width forms and traditional characters, in UTF-8 and
  GBK .txt, .docx, .html and a .zip;
- sentences (the archive of earlier figures): 1–3 recombined labelled sentences per paragraph,
  in GBK and UTF-8 .txt, .docx, .html, .pdf and a .zip of .txt.

Runs:

- the straightforward pipeline as issue #7 names it (benchmarks/_straightforward_tag.py:
  jieba.lcut + TfidfVectorizer + OneVsRestClassifier(LogisticRegression), fitted here on labels/);
- the reference pipeline (benchmarks/_reference_tag.py: zongjie's own scikit-learn Pipeline, the
  one the fast path must equal);
- `zongjie tag` with --workers 1 and --workers 2;
- the floor: jieba-rs alone cutting the same paragraphs (benchmarks/_jieba_rs_cut.py).

The two baselines read, split and write with zongjie's own code, so only the model path differs.
Prints paragraphs/s, characters/s, MB/s, peak memory (sampled over the process tree), ratios, the
targets of issue 12 (with the p50 of an in-process classify of one of the archive's paragraphs,
every tenth one once), and whether zongjie's outputs are byte for byte the reference pipeline's.

Run: `.venv/bin/python benchmarks/batch.py [--archive realistic|sentences] [--paragraphs 50000]
     [--repeats 3] [--keep DIR] [--skip-baselines]`
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from itertools import islice
from pathlib import Path

import psutil

from _common import ROOT, ensure_model, sample_paragraphs, single_latency, zongjie
from _realistic import build_realistic

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


def text_figures(out: Path) -> str:
    """What the tagged paragraphs look like: length, long ones, the characters of real reports."""
    with open(out, encoding="utf-8") as rows:
        texts = [json.loads(line)["text"] for line in rows]
    lengths = [len(t) for t in texts]
    marks = {mark: sum(any(ch in t for ch in chars) for t in texts) for mark, chars in
             (("…", "…"), ("㎡", "㎡"), ("①②", "①②③"), ("℃", "℃"), ("〇", "〇"),
              ("full-width", "０１２３４５６７８９ＡＢＣＤＬＥＰＷ％～"), ("traditional", "學國體發會與"))}
    return (f"paragraphs: {len(texts)}, {statistics.mean(lengths):.0f} characters on average, "
            f"{sum(n > 500 for n in lengths)} over 500; with "
            + ", ".join(f"{mark} {n}" for mark, n in marks.items()))


def floor_rate(out: Path, repeats: int) -> tuple[float, float]:
    """(paragraphs/s, characters/s) of jieba-rs alone cutting the paragraphs of `out`."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "_jieba_rs_cut.py"), str(out),
                             str(repeats)], check=True, capture_output=True, text=True)
    cut = json.loads(result.stdout)
    return cut["paragraphs"] / cut["seconds"], cut["characters"] / cut["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", choices=("realistic", "sentences"), default="realistic")
    parser.add_argument("--paragraphs", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the median is shown")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive in this folder")
    parser.add_argument("--skip-baselines", action="store_true",
                        help="time zongjie and jieba-rs only (no straightforward or reference run, "
                             "so no output check)")
    args = parser.parse_args()
    version = ensure_model()
    tmp = Path(tempfile.mkdtemp(prefix="zongjie-bench-"))
    archive = args.keep or tmp / "archive"
    try:
        if not archive.exists():
            start = time.perf_counter()
            build = build_realistic if args.archive == "realistic" else build_archive
            n, size = build(archive, args.paragraphs)
            print(f"built the {args.archive} archive: {n} paragraphs, {size / 1e6:.1f} MB "
                  f"in {time.perf_counter() - start:.0f} s")
        size = sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
        print(f"archive {archive} ({size / 1e6:.1f} MB), model {version}; wall clock of each whole "
              f"command, zongjie's the median of {args.repeats} runs\n")
        print(f"{'run':<38} {'seconds':>8} {'paragraphs/s':>13} {'chars/s':>10} {'MB/s':>6} "
              f"{'peak RSS total':>15} {'largest process':>16}")
        here = ROOT / "benchmarks"
        runs = [(1, "zongjie tag --workers 1", args.repeats, [*zongjie(), "tag"]),
                (2, "zongjie tag --workers 2", args.repeats, [*zongjie(), "tag"])]
        if not args.skip_baselines:
            subprocess.run([sys.executable, str(here / "_straightforward_tag.py"), "fit", str(tmp / "sf.joblib")],
                           check=True, stderr=subprocess.DEVNULL)
            runs = [("straightforward", "straightforward (jieba.lcut, sklearn)", 1,
                     [sys.executable, str(here / "_straightforward_tag.py"), "tag", str(tmp / "sf.joblib")]),
                    ("reference", "reference pipeline (scikit-learn)", 1,
                     [sys.executable, str(here / "_reference_tag.py")])] + runs
        rates, outputs, memories = {}, {}, {}
        for key, name, repeats, cmd in runs:
            out = tmp / f"out{key}.jsonl"
            if isinstance(key, str):  # a baseline: ARCHIVE OUT
                cmd = [*cmd, str(archive), str(out)]
            else:
                cmd = [*cmd, str(archive), "-o", str(out), "--workers", str(key), "--quiet", "--overwrite"]
            results = sorted((timed(cmd) for _ in range(repeats)), key=lambda r: r[0])
            seconds, memories[key] = results[len(results) // 2]
            outputs[key] = out.read_bytes()
            lines = outputs[key].count(b"\n")
            chars = sum(len(json.loads(line)["text"]) for line in outputs[key].splitlines())
            rates[key] = lines / seconds
            print(f"{name:<38} {seconds:>8.2f} {lines / seconds:>13.0f} {chars / seconds:>10.0f} "
                  f"{size / 1e6 / seconds:>6.2f} {memories[key].get('total', 0) / 2**20:>12.0f} MB "
                  f"{memories[key].get('largest', 0) / 2**20:>13.0f} MB")
        floor, floor_chars = floor_rate(tmp / "out1.jsonl", args.repeats)
        print(f"{'jieba-rs alone cutting the paragraphs':<38} {lines / floor:>8.2f} {floor:>13.0f} "
              f"{floor_chars:>10.0f}    (the cut alone, no start-up or reading)")
        print(f"\n{text_figures(tmp / 'out1.jsonl')}")
        if outputs[1] != outputs[2]:
            print("zongjie's outputs with 1 and 2 workers are DIFFERENT")
        elif "reference" in outputs:
            same = "identical" if outputs[1] == outputs["reference"] else "DIFFERENT"
            print(f"zongjie's outputs and the reference pipeline's are {same} "
                  f"(the straightforward pipeline is another model: its speed only is compared).")
            print(f"--workers 1 vs the straightforward pipeline: {rates[1] / rates['straightforward']:.1f}x, "
                  f"vs the reference pipeline: {rates[1] / rates['reference']:.1f}x")
        largest = max(m.get("largest", 0) for k, m in memories.items() if isinstance(k, int)) / 2**20
        with open(tmp / "out1.jsonl", encoding="utf-8") as rows:  # every 10th paragraph, once each
            p50 = single_latency([json.loads(line)["text"] for line in islice(rows, 0, None, 10)])
        print("targets (issue 12):\n"
              f"  --workers 1: {rates[1]:.0f} paragraphs/s (target >= 10,000: {rates[1] / 10_000:.2f} of it)\n"
              f"  --workers 1 vs jieba-rs alone: {rates[1] / floor:.0%} (target >= 60%)\n"
              f"  --workers 2 vs --workers 1: {rates[2] / rates[1]:.2f}x (target >= 1.8x)\n"
              f"  largest process: {largest:.0f} MB (target < 400 MB)\n"
              f"  in-process classify of one paragraph of the archive: p50 {p50 * 1e3:.3f} ms "
              f"(target < 0.3 ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
