"""Progress on standard error: a tqdm bar per step on a terminal, plain log lines elsewhere."""
from __future__ import annotations

import sys
import time
from typing import Any


class ProgressView:
    """A `training.progress` hook that draws: one bar per step on a terminal; off a terminal a
    line when a step starts, ends, and at most every `interval` seconds in between."""

    def __init__(self, stream=None, *, quiet: bool = False, interval: float = 5.0):
        self.stream = stream or sys.stderr
        self.quiet, self.interval = quiet, interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.step: str | None = None
        self.bar: Any = None  # the step's tqdm bar on a terminal
        self.started = self.last = 0.0

    def __call__(self, step: str, done: int, total: int | None, detail: str = "") -> None:
        if self.quiet:
            return
        now = time.monotonic()
        fresh = step != self.step
        if fresh:
            self.close()
            self.step, self.started = step, now
        if self.tty:
            self._draw(step, done, total, detail, fresh)
        elif fresh or done == total or now - self.last >= self.interval:
            self.last = now
            self.stream.write(self._line(step, done, total, detail, now - self.started) + "\n")
            self.stream.flush()

    def _draw(self, step, done, total, detail, fresh) -> None:
        from tqdm import tqdm

        if fresh:
            self.bar = tqdm(total=total, desc=step, file=self.stream, leave=True, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)
        if detail:
            self.bar.set_postfix_str(detail, refresh=False)
        if done == total:
            self.close()

    @staticmethod
    def _line(step, done, total, detail, elapsed) -> str:
        text = f"{step}: {done}/{total}" if total is not None else f"{step}: {done}"
        if detail:
            text += f"  {detail}"
        if total and 0 < done < total:
            eta = elapsed / done * (total - done)
            text += f"  ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        return text

    def close(self) -> None:
        """End the bar being drawn (the line it is on stays)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> "ProgressView":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
