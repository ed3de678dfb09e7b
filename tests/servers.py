"""What the tests that start a real `zongjie serve` share: a free port, the command, waiting for /readyz."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Poll `/readyz` until the server answers 200; else stop it and fail with what it printed."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    printed = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    pytest.fail("server did not become ready: " + printed)


def zongjie_command() -> list[str]:
    script = Path(sys.executable).parent / "zongjie"
    return [str(script)] if script.exists() else [sys.executable, "-m", "serving.cli"]
