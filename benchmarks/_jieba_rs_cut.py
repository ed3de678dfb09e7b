"""The floor of benchmarks/batch.py: jieba-rs (rjieba) alone cutting the paragraphs `zongjie tag`
wrote (the "text" of each output row), one call per paragraph, with the model's domain dictionary,
as zongjie's segmenter does. Prints one JSON line: paragraphs, characters and the median seconds of
`repeats` passes (the cutting alone: no reading, no start-up).

Run: `.venv/bin/python benchmarks/_jieba_rs_cut.py OUT.jsonl [repeats]`
"""
from __future__ import annotations

import json
import sys
import time

from _common import ROOT


def main() -> None:
    import rjieba

    from training.segment import read_dictionary

    path, repeats = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with open(path, encoding="utf-8") as rows:
        texts = [json.loads(line)["text"] for line in rows]
    jieba = rjieba.Jieba()
    for word in read_dictionary(ROOT / "labels" / "dictionary.txt"):
        jieba.add_word(word, None, None)
    cut = jieba.cut
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            cut(text, False)
        seconds.append(time.perf_counter() - start)
    print(json.dumps({"paragraphs": len(texts), "characters": sum(map(len, texts)),
                      "seconds": sorted(seconds)[len(seconds) // 2]}))


if __name__ == "__main__":
    main()
