"""Spreadsheet cells that cannot run: text starting with = + - @ (or tab / CR) is written with a
leading single quote, OWASP's advice against CSV/formula injection, and read back without it."""
from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell to write for `value` (strings only; a leading quote is doubled so it survives)."""
    if isinstance(value, str) and value.startswith(TRIGGERS + ("'",)):
        return "'" + value
    return value


def restore(value):
    """The text that `neutralise` wrote as this cell."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in TRIGGERS + ("'",):
        return value[1:]
    return value
