"""Shared fixtures: run the real `zongjie` CLI in-process and write small labelled files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from serving.cli import main

REPO = Path(__file__).resolve().parents[1]


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(capsys, monkeypatch):
    """Call `zongjie ARGS…` as a user would; returns exit code, stdout and stderr."""
    def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> CliResult:
        if stdin is not None:
            import io
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)
    return run


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    """Write records (dicts, or raw lines for broken input) as JSON Lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rec(i: int, text: str, labels: list[str], doc: str = "d1", source: str = "authored") -> dict:
    return {"id": f"{doc}-{i:03d}", "text": text, "labels": labels, "doc": doc, "source": source}
