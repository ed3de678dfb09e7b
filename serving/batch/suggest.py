"""`zongjie suggest`: the paragraphs of an archive most worth labelling next — those the model is
least sure of, spread over documents and labels, with no near-copies."""
from __future__ import annotations

import heapq
import re
from collections import defaultdict
from collections.abc import Set as AbstractSet
from pathlib import Path

import numpy as np

from training.progress import Progress, counted

from serving.batch.sources import iter_sources
from serving.batch.limits import Limits
from serving.scoring.predictor import Predictor
from serving.batch.tagger import read_paragraphs

MIN_CHARS = 12   # headings and fragments teach little
RUN = 30         # two picks may not share a run of this many characters


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def suggest(paths: list[str | Path], *, predictor: Predictor, n: int,
            known_texts: AbstractSet[str] = frozenset(), pool_factor: int = 20,
            progress: Progress | None = None, limits: Limits = Limits()) -> list[dict]:
    """Pick `n` paragraphs: lowest margin to a threshold first, at most a fair share per
    document, round-robin over the label each paragraph is least sure about; `progress` hears
    the documents read."""
    pool: list[tuple[float, int, dict]] = []  # a bounded max-heap of the most uncertain
    counter = 0
    for source in counted(progress, "documents read", list(iter_sources(paths, limits))):
        paragraphs, _ = read_paragraphs(source, limits)
        texts = [p for p in paragraphs if len(p.text) >= MIN_CHARS and _key(p.text) not in known_texts]
        if not texts:
            continue
        S = predictor.scores([p.text for p in texts])
        margins = np.abs(S - predictor.thresholds)
        P = predictor.decide(S, predictor.thresholds)  # the rule shown everywhere: at most one of 问题 / 计划
        for p, scores, margin, chosen in zip(texts, S, margins, P):
            j = int(np.argmin(margin))
            row = {"source": source.path, "member": source.member, "paragraph": p.number,
                   "headings": p.heading_path, "text": p.text,
                   "labels": [lab for lab, on in zip(predictor.labels, chosen) if on],
                   "scores": {lab: round(float(s), 6) for lab, s in zip(predictor.labels, scores)},
                   "model": predictor.version, "_uncertain": predictor.labels[j]}
            counter += 1
            item = (-float(margin[j]), counter, row)
            if len(pool) < n * pool_factor:
                heapq.heappush(pool, item)
            elif item[0] > pool[0][0]:
                heapq.heapreplace(pool, item)
    ranked = [row for _, _, row in sorted(pool, key=lambda x: (-x[0], x[1]))]
    return _diverse(ranked, n)


def _diverse(ranked: list[dict], n: int) -> list[dict]:
    docs = {(r["source"], r["member"]) for r in ranked}
    per_doc = max(1, -(-n // max(1, len(docs))) + 1)
    buckets: dict[str, list[dict]] = defaultdict(list)
    for row in ranked:
        buckets[row["_uncertain"]].append(row)
    taken: list[dict] = []
    used_runs: set[str] = set()
    per_doc_count: dict = defaultdict(int)
    order = sorted(buckets, key=lambda label: -len(buckets[label]))
    while len(taken) < n and any(buckets.values()):
        for label in order:
            while buckets[label]:
                row = buckets[label].pop(0)
                doc = (row["source"], row["member"])
                text = _key(row["text"])
                runs = {text[i:i + RUN] for i in range(max(1, len(text) - RUN + 1))}
                if per_doc_count[doc] >= per_doc or runs & used_runs:
                    continue
                per_doc_count[doc] += 1
                used_runs |= runs
                taken.append({k: v for k, v in row.items() if k != "_uncertain"})
                break
            if len(taken) >= n:
                break
    return taken
