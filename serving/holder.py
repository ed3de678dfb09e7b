"""The model in service: loaded once, swapped atomically when models/CURRENT changes."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from training import artifact
from training.errors import ModelError

from .predictor import Predictor

log = logging.getLogger("zongjie")


class ModelHolder:
    """Holds the Predictor in service. A request takes the reference once and keeps it, so a
    swap never shows it a half-loaded model and in-flight requests finish on the old one."""

    def __init__(self, models_dir: Path):
        self.models_dir = Path(models_dir)
        self._predictor: Predictor | None = None
        self._lock = threading.Lock()  # one load at a time
        self.last_error: str | None = None

    @property
    def predictor(self) -> Predictor:
        predictor = self._predictor
        if predictor is None:
            raise ModelError(self.last_error or "no model loaded yet")
        return predictor

    @property
    def ready(self) -> bool:
        return self._predictor is not None

    def load(self, version: str) -> Predictor:
        return Predictor(artifact.load_compiled(self.models_dir, version)).warm()

    def refresh(self) -> bool:
        """Load the version named by models/CURRENT if it is not the one in service."""
        with self._lock:
            version = artifact.current_version(self.models_dir)
            if version is None:
                self.last_error = f"no model in service: {self.models_dir / artifact.CURRENT_FILE} is missing"
                return False
            if self._predictor is not None and self._predictor.version == version:
                return False
            try:
                predictor = self.load(version)
            except ModelError as exc:
                self.last_error = str(exc)
                log.error("model %s not loaded, keeping %s: %s", version,
                          self._predictor.version if self._predictor else "none", exc)
                return False
            self._predictor = predictor
            self.last_error = None
            log.info("model %s in service", version)
            return True


class Watcher(threading.Thread):
    """Polls models/CURRENT every `interval` seconds and refreshes the holder."""

    def __init__(self, holder: ModelHolder, interval: float):
        super().__init__(name="zongjie-model-watcher", daemon=True)
        self.holder, self.interval = holder, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.holder.refresh()
            except Exception:  # never let the watcher die: the next tick tries again
                log.exception("model refresh failed")

    def stop(self) -> None:
        self.stopped.set()
