"""What the classify endpoints answer for each paragraph, and the per-label counts of a document."""
from __future__ import annotations

from collections import Counter

from training.labelset import LABELS

from serving.scoring.predictor import Predictor


def label_results(predictor: Predictor, texts: list[str], explain: bool, contexts=None, titles=None) -> list[dict]:
    """Per paragraph: its index, labels (the decision rule), scores and, with `explain`, the evidence."""
    out = []
    for i, (text, pred) in enumerate(zip(texts, predictor.predict(texts, contexts, titles))):
        item = {"index": i, "labels": pred.labels, "scores": pred.scores}
        if explain:
            item["explain"] = predictor.explainer.explain(text, pred.labels)
        out.append(item)
    return out


def label_counts(paragraphs: list[dict]) -> dict[str, int]:
    """Paragraphs per label, every label present, in the order of LABELS."""
    counts = Counter(label for p in paragraphs for label in p["labels"])
    return {label: counts.get(label, 0) for label in LABELS}


def shown(predictor: Predictor, source: str, paragraphs: list[dict]) -> dict:
    """What the review page shows: the paragraphs, the thresholds (scores on hover), counts per label."""
    return {"model": predictor.version, "source": source, "thresholds": dict(zip(
                predictor.labels, (round(float(t), 6) for t in predictor.thresholds))),
            "paragraphs": paragraphs, "counts": label_counts(paragraphs)}
