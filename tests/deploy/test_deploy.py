"""The service recipes in deploy/: the systemd unit is valid and both start a command zongjie takes."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest

from serving.cli.main import build_parser
from tests.conftest import REPO

DEPLOY = REPO / "deploy"


def _exec_start() -> list[str]:
    line = re.search(r"^ExecStart=(.+)$", (DEPLOY / "zongjie.service").read_text(), re.M).group(1)
    return shlex.split(line)


def _docker_cmd() -> list[str]:
    import json
    return json.loads(re.search(r"^CMD (\[.+\])$", (DEPLOY / "Dockerfile").read_text(), re.M).group(1))


@pytest.mark.parametrize("argv", [_exec_start()[1:], _docker_cmd()[1:]], ids=["systemd", "docker"])
def test_recipes_start_a_command_zongjie_takes(argv):
    args = build_parser().parse_args(argv)
    assert args.command == "serve" and args.host == "0.0.0.0" and args.port == 8000


def test_docker_health_check_asks_readiness():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "/readyz" in re.search(r"^HEALTHCHECK .*(?:\n .*)*", text, re.M).group(0)
    assert "--no-index --find-links /tmp/wheelhouse zongjie" in text


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_systemd_unit_verifies(tmp_path):
    # The unit names a user and a venv of the target machine: verify it with stand-ins for both.
    unit = (DEPLOY / "zongjie.service").read_text()
    unit = unit.replace(_exec_start()[0], shutil.which("true"))
    unit = re.sub(r"^(User|Group)=.*$", r"\1=root", unit, flags=re.M)
    path = tmp_path / "zongjie.service"
    path.write_text(unit)
    done = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
