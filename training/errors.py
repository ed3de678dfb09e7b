"""The zongjie error family: every error zongjie defines is one of these, and every failure a user
can cause raises one. The message is what the user sees (the CLI prints `Error: <message>` and exits
1, in serving/cli/main.py); `code` is what the API sends in `{"error": {code, message}}`
(serving/api/errors.py maps the family to statuses, in one place).

    ZongjieError                  zongjie_error      training/errors.py
    ├── DataError                 invalid_data       training/errors.py       bad input data, by file and line
    │   └── ImportProblems        invalid_data       training/corrections.py  an import's invalid rows, all of them
    ├── ModelError                model_unavailable  training/errors.py       a model cannot be found, loaded, trusted
    │   └── CannotCompile         model_unavailable  training/errors.py       the fast path cannot compute this model
    ├── ConfigError               config_error       training/errors.py       a setting or an argument is wrong
    ├── NotPending                not_pending        training/errors.py       an inbox correction is not pending
    ├── ReadError                 unreadable         serving/batch/limits.py  a document cannot be read
    │   ├── Skipped               unreadable         serving/batch/limits.py  not read on purpose (a symlink …)
    │   │   └── UnsupportedType   unsupported_type   serving/batch/limits.py  no reader for its extension
    │   ├── LimitExceeded         too_large          serving/batch/limits.py  over a ZONGJIE_MAX_* limit
    │   ├── EncryptedPdf          encrypted_pdf      serving/batch/limits.py  a PDF that needs a password
    │   └── NoText                no_text            serving/batch/limits.py  no text in the document
    │       └── NoTextLayer       no_text            serving/batch/limits.py  a PDF without a text layer (a scan)
    └── ApiError                  api_error          serving/api/errors.py    an API refusal: status, code, message

ApiError's `code` is each refusal's own (api_error is only the class's); the README's API section
lists every code a client can get.
"""
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
    """A model cannot be found, loaded or trusted (the API answers 503)."""

    code = "model_unavailable"


class CannotCompile(ModelError):
    """The fast path cannot compute this model's features (training/compiled.py,
    serving/scoring/fastpath.py): settings it does not implement, or terms it cannot hold."""


class ConfigError(ZongjieError):
    """A setting or a command-line argument is wrong."""

    code = "config_error"


class NotPending(ZongjieError):
    """An inbox correction asked for is not (or no longer) pending."""

    code = "not_pending"
