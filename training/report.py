"""Rendering of evaluation reports: a plain-text table and a small HTML page with SVG plots."""
from __future__ import annotations

import html

from .labelset import LABELS


def _w(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _table(rows: list[list[str]]) -> str:
    widths = [max(_w(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c + " " * (w - _w(c)) if i == 0 else " " * (w - _w(c)) + c
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def metrics_text(m: dict, title: str = "") -> str:
    """Per-label precision/recall/F1/support, then the overall figures and the top confusions."""
    rows = [["label", "precision", "recall", "F1", "support"]]
    for label in LABELS:
        p = m["per_label"][label]
        rows.append([label, f"{p['precision']:.3f}", f"{p['recall']:.3f}", f"{p['f1']:.3f}",
                     str(p["support"])])
    out = [title] if title else []
    out.append(_table(rows))
    line = (f"micro-F1 {m['micro_f1']:.3f}   macro-F1 {m['macro_f1']:.3f}   "
            f"exact match {m['exact_match']:.3f}   paragraphs {m['paragraphs']}")
    if "brier" in m:
        line += f"\nBrier {m['brier']:.4f}   ECE {m['ece']:.4f}"
    out.append(line)
    if m.get("confusions"):
        out.append("most frequent errors (true → predicted): " + "; ".join(
            f"{c['true']}→{c['predicted']} ×{c['count']}" for c in m["confusions"][:6]))
    if m.get("genre_as_title"):
        g = m["genre_as_title"]
        out.append(f"with each record's genre read as its document's title (the context layer): "
                   f"micro-F1 {g['micro_f1']:.3f}   macro-F1 {g['macro_f1']:.3f}   " + "  ".join(
                       f"{label} {g['per_label'][label]['f1']:.2f}" for label in LABELS))
    return "\n".join(out)


def render_text(report: dict) -> str:
    """The training report as printed by `zongjie train`."""
    parts = [f"model {report.get('version', '(not saved)')} — {report['evaluation']}",
             "data: {records} records in {docs} docs ({seed_records} seed, "
             "{authored_records} authored)".format(**report["data"]), "",
             metrics_text(report["overall"], "ALL PARAGRAPHS")]
    for key, title in (("seed", "SEED-DOCUMENT PARAGRAPHS (real reports)"),
                       ("authored", "AUTHORED PARAGRAPHS (optimistic)"),
                       ("bureau", "BUREAU SUMMARIES AND PLANS (the first authored genre, and the seeds)"),
                       ("genres", "OTHER GENRES (school, special-topic, bureau documents of other kinds)"),
                       ("short", "SHORT INPUTS (40 characters or fewer: sentences, headings)")):
        if report.get(key):
            m = report[key]
            parts.append(f"\n{title}: micro-F1 {m['micro_f1']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
                         f"exact {m['exact_match']:.3f}  ({m['paragraphs']} paragraphs)")
            parts.append("  per-label F1: " + "  ".join(
                f"{label} {m['per_label'][label]['f1']:.2f}" for label in LABELS))
    if report.get("context"):
        m = report["context"]
        parts.append(f"\nWITH DOCUMENT CONTEXT (title and headings, as `zongjie tag` and /v1/classify/document "
                     f"use them): micro-F1 {m['micro_f1']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
                     f"exact {m['exact_match']:.3f}  (问题 {m['per_label']['问题']['f1']:.2f}  "
                     f"计划 {m['per_label']['计划']['f1']:.2f})")
    if report.get("holdout"):
        m = report["holdout"]
        parts.append(f"\nCOMPARISON SET (never trained on: {', '.join(m.get('docs', []))}): "
                     f"micro-F1 {m['micro_f1']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
                     f"exact {m['exact_match']:.3f}  ({m['paragraphs']} paragraphs)")
        parts.append("  per-label F1: " + "  ".join(
            f"{label} {m['per_label'][label]['f1']:.2f}" for label in LABELS))
    if report.get("devset"):
        m = report["devset"]
        parts.append("\n" + metrics_text(m, f"DEVELOPMENT SET of real paragraphs, never trained on ({m['data']})"))
        if m.get("by_genre"):
            worst = sorted(m["by_genre"].items(), key=lambda kv: (kv[1]["micro_f1"], kv[0]))
            parts.append("  weakest genres (micro-F1, paragraphs): " + "; ".join(
                f"{g} {v['micro_f1']:.2f} ({v['paragraphs']})" for g, v in worst[:8] if v["paragraphs"] >= 3))
    parts.append("\nthresholds: " + "  ".join(f"{k} {v:.2f}" for k, v in report["thresholds"].items()))
    if report.get("learning_curve"):
        parts.append("learning curve (share of training docs → macro-F1 / micro-F1): " + "  ".join(
            f"{int(p['fraction'] * 100)}% {p['macro_f1']:.3f}/{p['micro_f1']:.3f}"
            for p in report["learning_curve"]))
    if report.get("training_seconds") is not None:
        parts.append(f"training time: {report['training_seconds']:.0f} s, cross-validation and this report "
                     "included (target: under 60 s)")
    return "\n".join(parts)


def _bars(m: dict) -> str:
    width, row = 420, 26
    out = [f'<svg width="{width + 80}" height="{row * len(LABELS) + 10}" role="img">']
    for i, label in enumerate(LABELS):
        f1 = m["per_label"][label]["f1"]
        y = 5 + i * row
        out.append(f'<text x="0" y="{y + 16}">{label}</text>'
                   f'<rect x="50" y="{y}" width="{f1 * width:.1f}" height="{row - 6}" fill="#4a7ebb"/>'
                   f'<text x="{55 + f1 * width:.1f}" y="{y + 16}">{f1:.2f}</text>')
    out.append("</svg>")
    return "".join(out)


def _reliability(bins: list[dict]) -> str:
    size, pad = 300, 30
    out = [f'<svg width="{size + 2 * pad}" height="{size + 2 * pad}" role="img">',
           f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" fill="none" stroke="#999"/>',
           f'<line x1="{pad}" y1="{pad + size}" x2="{pad + size}" y2="{pad}" stroke="#bbb" '
           'stroke-dasharray="4"/>']
    points = " ".join(f"{pad + b['mean_score'] * size:.1f},{pad + size - b['observed'] * size:.1f}"
                      for b in bins)
    out.append(f'<polyline points="{points}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    for b in bins:
        out.append(f'<circle cx="{pad + b["mean_score"] * size:.1f}" '
                   f'cy="{pad + size - b["observed"] * size:.1f}" r="3" fill="#c0392b">'
                   f'<title>{b["count"]} scores</title></circle>')
    out.append(f'<text x="{pad}" y="{2 * pad + size - 5}">predicted score →</text>'
               f'<text x="2" y="{pad - 8}">observed frequency</text></svg>')
    return "".join(out)


def render_html(report: dict) -> str:
    """A self-contained page: the text report, per-label F1 bars, a reliability diagram."""
    overall = report["overall"]
    return ("<!doctype html><meta charset='utf-8'><title>zongjie model report</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style>"
            f"<h1>Model {html.escape(report.get('version', ''))}</h1>"
            f"<h2>Per-label F1 (grouped cross-validation)</h2>{_bars(overall)}"
            f"<h2>Reliability diagram (ECE {overall.get('ece', 0):.3f})</h2>"
            f"{_reliability(overall.get('reliability', []))}"
            f"<h2>Full report</h2><pre>{html.escape(render_text(report))}</pre>")
