"""Comparing model versions on the frozen comparison set (and their cross-validation figures)."""
from __future__ import annotations

from pathlib import Path

from .dataset import Record
from .errors import ModelError
from .labelset import LABELS
from .scoring import load_pipeline, score

PROMOTE_TOLERANCE = 0.01  # macro-F1 a new model may lose on the comparison set and still be promoted


def score_records(scorer, records: list[Record]) -> dict:
    return score(scorer, records)[1]


def compare_versions(*, models_dir: str | Path, holdout: list[Record], a: str, b: str,
                     load=load_pipeline) -> dict:
    """Per-label and overall figures of two versions and their differences (b − a); `load`
    gives a version's scorer (the CLI's scores from fast.npz, without unpickling)."""
    if not holdout:
        raise ModelError("no comparison set: labels/holdout.json lists no documents with records")
    out: dict = {"a": a, "b": b, "paragraphs": len(holdout), "holdout": {}, "cv": {}}
    for key, version in (("a", a), ("b", b)):
        scorer = load(models_dir, version)
        out["holdout"][key] = score_records(scorer, holdout)
        out["cv"][key] = scorer.metadata.get("metrics", {})
    ha, hb = out["holdout"]["a"], out["holdout"]["b"]
    out["delta"] = {
        "macro_f1": hb["macro_f1"] - ha["macro_f1"], "micro_f1": hb["micro_f1"] - ha["micro_f1"],
        "exact_match": hb["exact_match"] - ha["exact_match"],
        "per_label": {x: hb["per_label"][x]["f1"] - ha["per_label"][x]["f1"] for x in LABELS},
        "cv_macro_f1": out["cv"]["b"].get("macro_f1", 0) - out["cv"]["a"].get("macro_f1", 0),
    }
    return out


def promotion_refusal(comparison: dict, tolerance: float = PROMOTE_TOLERANCE) -> str | None:
    """Why version b must not replace version a in service, or None."""
    delta = comparison["delta"]["macro_f1"]
    if delta < -tolerance:
        a, b = comparison["holdout"]["a"], comparison["holdout"]["b"]
        return (f"model {comparison['b']} is worse than {comparison['a']} (in service) on the "
                f"comparison set: macro-F1 {b['macro_f1']:.3f} vs {a['macro_f1']:.3f} "
                f"({delta:+.3f}, tolerance {tolerance:.2f}); use --force to promote it anyway")
    return None


def compare_text(c: dict) -> str:
    a, b = c["holdout"]["a"], c["holdout"]["b"]
    lines = [f"comparison set: {c['paragraphs']} paragraphs (labels/holdout.json)",
             f"{'':<12}{c['a'][:24]:>26}{c['b'][:24]:>26}{'change':>9}"]
    for label in LABELS:
        fa, fb = a["per_label"][label]["f1"], b["per_label"][label]["f1"]
        lines.append(f"{label + ' F1':<12}{fa:>26.3f}{fb:>26.3f}{fb - fa:>+9.3f}")
    for key, name in (("macro_f1", "macro-F1"), ("micro_f1", "micro-F1"), ("exact_match", "exact")):
        lines.append(f"{name:<12}{a[key]:>26.3f}{b[key]:>26.3f}{b[key] - a[key]:>+9.3f}")
    ca, cb = c["cv"]["a"].get("macro_f1", 0), c["cv"]["b"].get("macro_f1", 0)
    lines.append(f"{'CV macro-F1':<12}{ca:>26.3f}{cb:>26.3f}{cb - ca:>+9.3f}")
    return "\n".join(lines)
