"""Experiment: discourse cues also from the paragraph's last clause (and sentence-final words).
Run: .venv/bin/python docs/experiments/last_clause_cues.py base|last|ends|lastends"""
import sys
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "docs/experiments"))
import training.discourse as d
from training.text import _TOKEN

LAST = ">"
orig = d.cues

def cues(norm, raw_tokens):
    out = orig(norm, raw_tokens)
    # tokens of the last clause, and the last word of every sentence
    clauses = [[]]
    ends = []
    for t in raw_tokens:
        if t in d.CLAUSE_MARKS:
            if clauses[-1] and t in "。;!?":
                ends.append(clauses[-1][-1])
            clauses.append([])
        elif _TOKEN.search(t):
            clauses[-1].append(t)
    last = next((c for c in reversed(clauses) if c), [])
    if "last" in MODE:
        out.extend(f"{LAST} {t}" for t in last)
    if "ends" in MODE:
        out.extend(f"$ {t}" for t in ends + (last[-1:] if last else []))
    return out

from sweep import run
from training.train import TrainSettings
MODE = sys.argv[1]
if MODE != "base":
    d.cues = cues
run(MODE, TrainSettings())
