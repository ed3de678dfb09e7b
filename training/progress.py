"""Progress hooks: library code reports how far a long step is through a callback, never prints.

A hook is any callable `progress(step, done, total)`: `step` names what is running (e.g.
"cross-validation folds"), `done` counts finished units, `total` is their number (None when
unknown). The CLI draws it (a bar on a terminal, log lines elsewhere); None means nobody listens.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

Progress = Callable[[str, int, "int | None"], None]
T = TypeVar("T")


def report(progress: Progress | None, step: str, done: int, total: int | None) -> None:
    """Tell `progress`, when there is one, that `done` of `total` units of `step` are finished."""
    if progress is not None:
        progress(step, done, total)


def counted(progress: Progress | None, step: str, items: Iterable[T], total: int | None = None) -> Iterator[T]:
    """Yield `items`, reporting 0 before the first and one more after each is handled."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    report(progress, step, 0, total)
    for done, item in enumerate(items, 1):
        yield item
        report(progress, step, done, total)
