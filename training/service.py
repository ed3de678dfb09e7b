"""The model in service: version names (CURRENT, previous), promotion, a default model when
there is none (an installed copy of a bundled one, or one trained from the labels), and the
comparison of two versions on the frozen comparison set."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import artifact
from .errors import ModelError, NotPending
from .progress import Progress

CURRENT = "CURRENT"
PREVIOUS = "previous"


def resolve_version(models_dir: str | Path, name: str | None, where: str | None = None) -> str:
    """The version a name means: None or CURRENT the one in service, `previous` the one promoted
    before it (what `models rollback` would restore), else the name itself once its folder is
    found. `where` names the models folder in the messages (default: its path)."""
    root = Path(models_dir)
    where = where or str(root)
    if name is None or name == CURRENT:
        current = artifact.current_version(root)
        if current is None:
            raise ModelError(f"no model in service in {where}: run `zongjie train --promote`")
        return current
    if name == PREVIOUS:
        stack = artifact.promotion_stack(root)
        if len(stack) < 2:
            raise ModelError(f"no previous version in {where}: {artifact.HISTORY_FILE} records no "
                             "promotion before the one in service")
        return stack[-2]
    if not (artifact.version_dir(root, name) / artifact.METADATA_FILE).is_file():
        raise ModelError(f"model version {name!r} not found in {where}: `zongjie models list` "
                         "shows the versions there")
    return name


def promote(models_dir: str | Path, name: str, where: str | None = None) -> tuple[str | None, str]:
    """Put a version (any name `resolve_version` takes) in service; returns (old, new)."""
    old = artifact.current_version(models_dir)
    new = resolve_version(models_dir, name, where)
    artifact.set_current(models_dir, new)
    return old, new


def install_model_files(models_dir: str | Path, source: str | Path) -> str:
    """Copy one version's files (a folder laid out as models/<version>/) into the models folder
    under the version its metadata.json names, check its checksums, and put it in service."""
    src = Path(source)
    try:
        version = json.loads((src / artifact.METADATA_FILE).read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{src / artifact.METADATA_FILE}: not a model's metadata ({exc})") from None
    root = Path(models_dir)
    final = artifact.version_dir(root, version)
    fresh = not final.exists()
    if fresh:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=root))
        try:
            for path in src.iterdir():
                if path.is_file():
                    shutil.copyfile(path, tmp / path.name)
            os.chmod(tmp, 0o755)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    try:
        artifact.load_compiled(root, version)  # checksums: a damaged copy is refused, not served
    except ModelError:
        if fresh:
            shutil.rmtree(final, ignore_errors=True)
        raise
    artifact.set_current(root, version, action="install")
    return version


@dataclass(frozen=True)
class Provided:
    """The model in service and how it got there: 'in service', 'bundled' or 'trained'."""

    version: str
    how: str
    report: dict | None = None


def ensure_model(models_dir: str | Path, *, bundled: Path | None = None, labels_dir: Path | None = None,
                 progress: Progress | None = None) -> Provided | None:
    """The model in service; when there is none, install the bundled one (a folder holding
    metadata.json), else train and promote one from `labels_dir` when it exists; else None."""
    current = artifact.current_version(models_dir)
    if current is not None:
        return Provided(current, "in service")
    if bundled is not None and (Path(bundled) / artifact.METADATA_FILE).is_file():
        return Provided(install_model_files(models_dir, bundled), "bundled")
    if labels_dir is None or not Path(labels_dir).is_dir():
        return None
    from .train import TrainSettings, train  # scikit-learn: only when a model must be trained

    result = train(labels_dir=labels_dir, models_dir=models_dir, promote=True, progress=progress,
                   settings=TrainSettings(learning_curve=False))
    return Provided(result.version, "trained", result.report)


def compare_on_comparison_set(*, models_dir: str | Path, labels_dir: str | Path, a: str, b: str,
                              load, where: str | None = None) -> dict:
    """`compare_versions` of two versions (any names `resolve_version` takes) on the documents
    of labels/holdout.json."""
    from .compare import compare_versions
    from .holdout import holdout_docs, split_holdout
    from .train import load_training_data

    records, _ = load_training_data(labels_dir)
    _, holdout = split_holdout(records, holdout_docs(labels_dir))
    return compare_versions(models_dir=models_dir, holdout=holdout, load=load,
                            a=resolve_version(models_dir, a, where), b=resolve_version(models_dir, b, where))


def decide_inbox(labels_dir: str | Path, pending: list, *, accept: list[int], reject: list[int], decide):
    """Accept (into labels/data/feedback.jsonl) and reject pending inbox corrections by id;
    `decide(ids, status)` records the decisions (FeedbackStore.decide). An accepted correction
    that conflicts with labels/ stays pending. Returns the accept's ImportResult (None if none)."""
    from .corrections import accept_feedback

    by_id = {f.id: f for f in pending}
    unknown = [i for i in accept + reject if i not in by_id]
    if unknown:
        raise NotPending(f"not pending in the inbox: {', '.join(map(str, unknown))}")
    result = None
    if accept:
        result = accept_feedback(labels_dir, [by_id[i] for i in accept])
        decide([i for i in accept if i not in result.conflicting], "accepted")
    if reject:
        decide(reject, "rejected")
    return result
