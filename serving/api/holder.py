"""The model in service: loaded once, swapped atomically when models/CURRENT changes."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from training import artifact
from training.errors import ModelError

from serving.scoring.predictor import Predictor

log = logging.getLogger("zongjie")


class ModelHolder:
    """Holds the Predictor in service. A request takes the reference once and keeps it, so a
    swap never shows it a half-loaded model and in-flight requests finish on the old one."""

    def __init__(self, models_dir: Path, on_load: Callable[[str], None] | None = None):
        self.models_dir = Path(models_dir)
        self.on_load = on_load  # told the version each time one is put in service
        self._predictor: Predictor | None = None
        self._lock = threading.Lock()  # one load at a time
        self.last_error: str | None = None
        self._failed: tuple | None = None  # the CURRENT and files of the last failed load

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

    def _stamp(self, version: str | None) -> tuple:
        """What a failed load is remembered by: CURRENT and the version's files as they are."""
        def stat(path: Path):
            try:
                info = path.stat()
                return info.st_mtime_ns, info.st_size, info.st_ino
            except OSError:
                return None
        folder = self.models_dir / version if version else None
        files = sorted(folder.iterdir()) if folder is not None and folder.is_dir() else []
        return (version, stat(self.models_dir / artifact.CURRENT_FILE),
                tuple((p.name, stat(p)) for p in files))

    def refresh(self) -> bool:
        """Load the version named by models/CURRENT if it is not the one in service. A failure
        keeps the model in service, is logged once with its reason (`last_error`), and is tried
        again only when CURRENT or the version's files change."""
        with self._lock:
            try:
                version = artifact.current_version(self.models_dir)
            except ModelError as exc:
                version, problem = None, str(exc)
            else:
                problem = f"no model in service: {self.models_dir / artifact.CURRENT_FILE} is missing"
            if version is None:
                self.last_error = problem
                return False
            if self._predictor is not None and self._predictor.version == version:
                self.last_error = None
                return False
            stamp = self._stamp(version)
            if stamp == self._failed:
                return False
            try:
                predictor = self.load(version)
            except Exception as exc:  # noqa: BLE001 - whatever a damaged model raises, keep serving
                self._failed = stamp
                self.last_error = (str(exc) if isinstance(exc, ModelError)
                                   else f"model {version}: {type(exc).__name__}: {exc}")
                log.error("model %s not loaded, keeping %s: %s", version,
                          self._predictor.version if self._predictor else "none", self.last_error)
                return False
            self._predictor = predictor
            self.last_error = self._failed = None
            log.info("model %s in service", version)
            if self.on_load is not None:
                self.on_load(version)
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
