"""Long steps say what they are doing and how far along they are: a bar on a terminal, plain log
lines elsewhere (a log file, a CI run), and nothing on standard output, where the results go."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from tests.conftest import make_labels_dir


@pytest.mark.integration
def test_off_a_terminal_audit_and_train_write_log_lines(cli, tmp_path):
    labels = make_labels_dir(tmp_path / "labels", docs=5, per_doc=8)
    result = cli("labels", "audit", "--labels", labels, "-n", "3", "--json")
    assert result.code == 0
    assert result.err.splitlines() == ["cross-validation folds: 0/5", "cross-validation folds: 5/5"]
    result = cli("train", "--labels", labels, "--models", tmp_path / "models")
    assert result.code == 0
    lines = result.err.splitlines()
    assert lines[0] == "cross-validation folds: 0/5" and "cross-validation folds: 5/5" in lines
    assert lines.index("learning curve fits: 0/10") < lines.index("final fit: 0/1") < lines.index("final fit: 1/1")


def test_suggest_counts_the_documents_it_reads(cli, trained, tmp_path):
    for d in range(3):
        (tmp_path / f"r{d}.txt").write_text(f"第{d}号：发放助学金，开展防溺水教育和消防演练。\n", encoding="utf-8")
    result = cli("suggest", *(tmp_path / f"r{d}.txt" for d in range(3)), "-o", tmp_path / "s.csv",
                 "--models", trained["models"], "--labels", trained["labels"])
    assert result.code == 0
    assert result.err.splitlines() == ["documents read: 0/3", "documents read: 3/3"]


@pytest.mark.integration
def test_on_a_terminal_a_progress_bar(tmp_path):
    labels = make_labels_dir(tmp_path / "labels", docs=4, per_doc=8)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal's size
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONGJIE_")}
    process = subprocess.Popen([sys.executable, "-m", "serving.cli", "labels", "audit", "--labels", labels,
                                "-n", "2"], stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        drawn += chunk
    out, _ = process.communicate(timeout=120)
    os.close(leader)
    assert process.returncode == 0
    text = drawn.decode("utf-8", "replace")
    assert "cross-validation folds: 100%" in text and "4/4" in text  # tqdm's bar, redrawn in place
    assert "\r" in text and "cross-validation folds: 0/4\n" not in text
    assert out.decode("utf-8").count("labelled") == 2  # the results, on standard output only
