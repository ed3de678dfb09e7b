"""The zongjie error family: every failure a user can cause is one of these."""
from __future__ import annotations

import os


class ZongjieError(Exception):
    """Base class: the message is what the user sees after `Error: `."""

    code = "zongjie_error"


class DataError(ZongjieError):
    """Bad input data, located by file and line (or row)."""

    code = "invalid_data"

    def __init__(self, path: str | os.PathLike | None, line: int | None, problem: str):
        self.path = None if path is None else str(path)
        self.line = line
        self.problem = problem
        super().__init__(self._format())

    def _format(self) -> str:
        if self.path is None:
            return self.problem
        if self.line is None:
            return f"{self.path}: {self.problem}"
        return f"{self.path}:{self.line}: {self.problem}"


class ModelError(ZongjieError):
    """A model cannot be found, loaded or trusted."""

    code = "model_error"


class ConfigError(ZongjieError):
    """A setting or a command-line argument is wrong."""

    code = "config_error"


class NotPending(ZongjieError):
    """An inbox correction asked for is not (or no longer) pending."""

    code = "not_pending"
