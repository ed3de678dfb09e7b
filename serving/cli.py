"""The `zongjie` command: parses arguments, calls one library function, prints the result.

This module is the composition root: the one place outside training/ that calls the trainer.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from training.errors import ZongjieError

from .settings import Settings


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def cmd_labels_check(args, settings: Settings) -> int:
    from training.checks import check_labels

    path = args.path or settings.labels_dir
    problems = check_labels(path)
    for problem in problems:
        print(problem)
    errors = [p for p in problems if not p.warning]
    warnings = len(problems) - len(errors)
    print(f"{len(errors)} problem(s), {warnings} warning(s) in {path}" if problems
          else f"{path}: all records valid")
    return 1 if errors else 0


def cmd_labels_stats(args, settings: Settings) -> int:
    from training.checks import label_stats, stats_table
    from training.dataset import load_records

    print(stats_table(label_stats(load_records(args.path or settings.labels_dir))))
    return 0


def cmd_labels_import(args, settings: Settings) -> int:
    import getpass

    from training.corrections import import_corrections

    result = import_corrections(labels_dir=args.labels or settings.labels_dir, path=args.file,
                                user=args.user or getpass.getuser())
    for conflict in result.conflicts:
        print(conflict)
    where = f" to {result.path}" if result.path else ""
    print(f"imported {len(result.added)} correction(s){where}; {result.duplicates} already in "
          f"labels/ (skipped), {len(result.conflicts)} conflict(s), {result.unreviewed} row(s) "
          "without corrected_labels (not reviewed)")
    if result.added:
        print("next: `zongjie labels check`, then `zongjie train --promote`")
    return 1 if result.conflicts else 0


def _parse_ids(values: list[str] | None, pending) -> list[int]:
    if not values:
        return []
    if values == ["all"]:
        return [f.id for f in pending]
    try:
        return [int(v) for part in values for v in part.split(",") if v]
    except ValueError:
        raise ZongjieError(f"ids must be numbers or 'all', got {' '.join(values)!r}") from None


def cmd_labels_inbox(args, settings: Settings) -> int:
    from training.corrections import append_records
    from training.dataset import load_records

    from .feedback import FeedbackStore

    db = args.db or settings.feedback_db
    if not Path(db).exists():
        print(f"no corrections yet ({db} does not exist)")
        return 0
    store = FeedbackStore(db)
    pending = store.list("pending")
    by_id = {f.id: f for f in pending}
    accept, reject = _parse_ids(args.accept, pending), _parse_ids(args.reject, pending)
    unknown = [i for i in accept + reject if i not in by_id]
    if unknown:
        raise ZongjieError(f"not pending in the inbox: {', '.join(map(str, unknown))}")
    if accept:
        labels_dir = args.labels or settings.labels_dir
        existing = {r.id: r for r in load_records(labels_dir)}
        texts = {"".join(r.text.split()): r for r in existing.values()}
        records, conflicts = [], []
        for i in accept:
            f = by_id[i]
            known = texts.get("".join(f.text.split()))
            if f"fb-{i}" in existing or (known and list(known.labels) == f.labels):
                continue  # already in labels/ (a run stopped after writing it)
            if known:
                conflicts.append(f"#{i} conflicts with {known.path}:{known.line} ({known.id}): "
                                 f"{'、'.join(known.labels) or '(无)'} there, {'、'.join(f.labels) or '(无)'} here")
                continue
            records.append({"id": f"fb-{i}", "text": f.text, "labels": f.labels, "doc": f"feedback-{i}",
                            "source": f"feedback:{i}", "by": f.user, "at": f.created, "model": f.model,
                            **({"note": f.note} if f.note else {})})
        if records:
            append_records(Path(labels_dir) / "data" / "feedback.jsonl", records)
        accepted = [i for i in accept if not any(c.startswith(f"#{i} ") for c in conflicts)]
        store.decide(accepted, "accepted")
        for c in conflicts:
            print(c)
        print(f"accepted {len(accepted)} correction(s) into {Path(labels_dir) / 'data' / 'feedback.jsonl'}"
              + (f"; {len(conflicts)} left pending (conflicts)" if conflicts else ""))
    if reject:
        store.decide(reject, "rejected")
        print(f"rejected {len(reject)} correction(s)")
    if not accept and not reject:
        if not pending:
            print("inbox empty: no pending corrections")
        else:
            from .limits import size_text

            stats = store.stats()
            print(f"{stats['pending']} pending correction(s), {stats['pending_chars']:,} characters; "
                  f"{db}: {size_text(stats['bytes'])}" + ("; the first 100:" if len(pending) > 100 else ""))
        for f in pending[:100]:
            shown = f.text if len(f.text) <= 50 else f.text[:49] + "…"
            print(f"#{f.id}\t{f.created}\t{f.user or '-'}\t{'、'.join(f.labels) or '(无)'}\t"
                  f"model {f.model or '-'}\t{shown}" + (f"\t({f.note})" if f.note else ""))
    return 0


def cmd_labels_audit(args, settings: Settings) -> int:
    from training.audit import audit

    rows = audit(labels_dir=args.labels or settings.labels_dir, top=args.n)
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        shown = r["text"] if len(r["text"]) <= 60 else r["text"][:59] + "…"
        print(f"{r['path']}:{r['line']} {r['id']}  labelled {'、'.join(r['labels']) or '(无)'}  "
              f"predicted {'、'.join(r['predicted']) or '(无)'}  (disagreement {r['disagreement']:.2f})\n    {shown}")
    return 0


def cmd_suggest(args, settings: Settings) -> int:
    from training import artifact
    from training.dataset import load_records

    from .output import write_table
    from .predictor import Predictor
    from .suggest import suggest

    models_dir = args.models or settings.models_dir
    loaded = artifact.load_compiled(models_dir, args.model or artifact.require_current(models_dir))
    known = {"".join(r.text.split()) for r in load_records(args.labels or settings.labels_dir)}
    rows = suggest(args.paths, predictor=Predictor(loaded), n=args.n, known_texts=known)
    fmt = args.format or (args.out.suffix.lstrip(".").lower() or "csv")
    write_table(args.out, fmt, rows)
    docs = len({(r["source"], r["member"]) for r in rows})
    print(f"{len(rows)} paragraphs from {docs} documents → {args.out}: fill in corrected_labels "
          f"(labels separated by 、 , ; or spaces; 无 for no label), then `zongjie labels import {args.out}`")
    return 0


def cmd_train(args, settings: Settings) -> int:
    from training.report import render_text
    from training.train import TrainSettings, train

    from .predictor import load_scorer

    result = train(labels_dir=args.labels or settings.labels_dir,
                   models_dir=args.models or settings.models_dir,
                   settings=TrainSettings(learning_curve=not args.no_learning_curve),
                   force=args.force, promote=args.promote, load=load_scorer,
                   devset=args.devset or (settings.devset if settings.devset.is_file() else None))
    if args.json:
        _print_json({"version": result.version, "reused": result.reused,
                     "promoted": result.promoted, "report": result.report})
        return 0
    if result.reused:
        print(f"Training data and settings unchanged: reusing model {result.version} "
              "(use --force to train again)")
    print(render_text(result.report))
    print(f"\nsaved in {result.path}" + (" (report.html there)" if not result.reused else ""))
    if result.promoted:
        print(f"model {result.version} is now in service (models/CURRENT)")
    if result.refused:
        print(f"Not promoted: {result.refused}", file=sys.stderr)
        return 1
    return 0


def cmd_evaluate(args, settings: Settings) -> int:
    from training.report import metrics_text
    from training.scoring import evaluate_file

    from .predictor import load_scorer

    metrics = evaluate_file(models_dir=args.models or settings.models_dir, version=args.model,
                            data=args.data, load=load_scorer)
    if args.json:
        _print_json(metrics)
    else:
        print(metrics_text(metrics, f"model {metrics['model']} on {metrics['data']}"))
    return 0


def cmd_classify(args, settings: Settings) -> int:
    from training import artifact

    from .predictor import Predictor, request_context

    text = args.text if args.text is not None else sys.stdin.read()
    paragraphs = [p.strip() for p in text.splitlines() if p.strip()]
    if not paragraphs:
        raise ZongjieError("nothing to classify: give TEXT or pipe paragraphs on standard input")
    models_dir = args.models or settings.models_dir
    loaded = artifact.load_compiled(models_dir, args.model or artifact.require_current(models_dir))
    predictor = Predictor(loaded)
    predictions = predictor.predict(paragraphs, request_context(args.title, args.heading, len(paragraphs)))
    if args.json:
        _print_json({"model": predictor.version, "results": [
            {"text": t, "labels": p.labels, "scores": p.scores} for t, p in zip(paragraphs, predictions)]})
        return 0
    for text, pred in zip(paragraphs, predictions):
        shown = text if len(text) <= 40 else text[:39] + "…"
        print(f"{'、'.join(pred.labels) or '(无标签)'}\t{shown}")
        print("    " + "  ".join(f"{k} {v:.2f}" for k, v in pred.scores.items()))
    return 0


def cmd_models_list(args, settings: Settings) -> int:
    from training import artifact

    models_dir = args.models or settings.models_dir
    versions = artifact.list_versions(models_dir)
    if not versions:
        print(f"no models in {models_dir} (run `zongjie train`)")
        return 0
    current = artifact.current_version(models_dir)
    print(f"  {'version':<26} {'created':<26} {'macro-F1':>8} {'micro-F1':>8} {'seed macro':>10} records")
    for m in versions:
        h = m.get("metrics", {})
        mark = "*" if m["version"] == current else " "
        print(f"{mark} {m['version']:<26} {m.get('created', ''):<26} {h.get('macro_f1', 0):>8.3f} "
              f"{h.get('micro_f1', 0):>8.3f} {h.get('seed_macro_f1', 0):>10.3f} "
              f"{m.get('data', {}).get('records', '')}")
    print("(* = in service)")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import os

    import uvicorn

    from training import artifact

    models_dir = args.models or settings.models_dir
    labels_dir = args.labels or settings.labels_dir
    if artifact.current_version(models_dir) is None:
        from training.train import TrainSettings, train

        print(f"No model in service in {models_dir}: training the default model from {labels_dir} …",
              flush=True)
        result = train(labels_dir=labels_dir, models_dir=models_dir,
                       settings=TrainSettings(learning_curve=False), promote=True)
        headline = result.report["overall"]
        print(f"model {result.version}: macro-F1 {headline['macro_f1']:.3f}, "
              f"micro-F1 {headline['micro_f1']:.3f} (grouped CV); now in service", flush=True)
    from .predictor import Predictor

    Predictor(artifact.load_compiled(models_dir, artifact.require_current(models_dir)))  # a clear error now
    # Workers are separate processes that read their settings from the environment.
    os.environ["ZONGJIE_MODELS_DIR"] = str(Path(models_dir).resolve())
    print(f"zongjie serving on http://{args.host}:{args.port} (docs at /docs)", flush=True)
    uvicorn.run("serving.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level, access_log=False)
    return 0


class _ProgressPrinter:
    """A progress bar on a terminal, a plain log line every few seconds otherwise."""

    def __init__(self, stream, quiet: bool):
        self.stream, self.quiet = stream, quiet
        self.tty = stream.isatty()
        self.last = 0.0

    def __call__(self, p) -> None:
        import time

        if self.quiet or (not self.tty and time.monotonic() - self.last < 5):
            return
        self.last = time.monotonic()
        rate = p.paragraphs / p.elapsed if p.elapsed else 0.0
        left = p.files_total - p.files_done
        eta = p.elapsed / max(1, p.files_done) * left
        text = (f"{p.files_done}/{p.files_total} files  {p.paragraphs} paragraphs  "
                f"{rate:,.0f} paragraphs/s  ETA {int(eta) // 60}:{int(eta) % 60:02d}")
        if self.tty:
            done = int(30 * p.files_done / max(1, p.files_total))
            self.stream.write(f"\r[{'#' * done}{'.' * (30 - done)}] {text}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")


def cmd_tag(args, settings: Settings) -> int:
    from training import artifact

    from .batch import run_tag, summary_rows
    from .limits import Limits
    from .tagger import ModelRef

    models_dir = args.models or settings.models_dir
    version = args.model or artifact.current_version(models_dir)
    if version is None:
        raise ZongjieError(f"no model in service in {models_dir}: run `zongjie train --promote` "
                           "or give --model VERSION")
    fmt = args.format or (args.out.suffix.lstrip(".").lower() if args.out.suffix else "jsonl")
    printer = _ProgressPrinter(sys.stderr, args.quiet)
    try:
        result = run_tag(args.paths, out=args.out, fmt=fmt,
                         model=ModelRef(str(Path(models_dir).resolve()), version),
                         workers=args.workers, resume=args.resume, overwrite=args.overwrite,
                         dask=args.dask, on_progress=printer, limits=Limits.from_settings(settings))
    except KeyboardInterrupt:
        printer.end()
        print(f"Interrupted: what was written is kept; continue with `zongjie tag … -o {args.out} "
              "--resume`", file=sys.stderr)
        return 130
    printer.end()
    if not args.quiet:
        rows = summary_rows(result.documents)
        shown = rows[:201]
        for row in shown:
            print("\t".join(row))
        if len(rows) > len(shown):
            print(f"… and {len(rows) - len(shown)} more documents (the xlsx format has them all "
                  "in its documents sheet)")
    rate = result.paragraphs / result.seconds if result.seconds else 0
    print(f"{result.paragraphs} paragraphs from {len(result.documents)} documents → {result.out} "
          f"({rate:,.0f} paragraphs/s, model {version})")
    if result.errors_path:
        print(f"{result.failed} file(s) could not be read, {result.skipped} skipped: "
              f"see {result.errors_path}")
    return 2 if result.failed else 0


def cmd_models_compare(args, settings: Settings) -> int:
    from training.compare import compare_text, compare_versions
    from training.holdout import holdout_docs, split_holdout
    from training.train import load_training_data

    labels_dir = args.labels or settings.labels_dir
    records, _ = load_training_data(labels_dir)
    _, holdout = split_holdout(records, holdout_docs(labels_dir))
    from .predictor import load_scorer

    comparison = compare_versions(models_dir=args.models or settings.models_dir, holdout=holdout,
                                  a=args.a, b=args.b, load=load_scorer)
    if args.json:
        _print_json(comparison)
    else:
        print(compare_text(comparison))
    return 0


def cmd_models_rollback(args, settings: Settings) -> int:
    from training import artifact

    models_dir = args.models or settings.models_dir
    old, new = artifact.rollback(models_dir)
    print(f"model {new} is back in service (was {old}); running servers follow within seconds")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zongjie", description=(
        "Tag the paragraphs of Chinese education-bureau work reports "
        "(基建 资助 德育 安全 师资 / 问题 计划)."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    labels = sub.add_parser("labels", help="check and count the labelled data")
    lsub = labels.add_subparsers(dest="labels_command", required=True, metavar="ACTION")
    p = lsub.add_parser("check", help="validate every file under labels/ (exit 1 on problems)")
    p.add_argument("path", nargs="?", type=Path, help="labels folder (default: labels/)")
    p.set_defaults(func=cmd_labels_check)
    p = lsub.add_parser("stats", help="records, docs and per-label counts (seed vs authored)")
    p.add_argument("path", nargs="?", type=Path, help="labels folder (default: labels/)")
    p.set_defaults(func=cmd_labels_stats)

    p = lsub.add_parser("import", help="add corrections (edited CSV/XLSX from tag or suggest, or JSONL)")
    p.add_argument("file", type=Path, help="CSV/XLSX with a corrected_labels column, or JSONL")
    p.add_argument("--user", help="who made the corrections (default: your login name)")
    p.add_argument("--labels", type=Path, help="labels folder")
    p.set_defaults(func=cmd_labels_import)
    p = lsub.add_parser("inbox", help="corrections posted to /v1/feedback: list, accept or reject")
    p.add_argument("--accept", nargs="+", metavar="ID", help="ids (or 'all') to move into labels/")
    p.add_argument("--reject", nargs="+", metavar="ID", help="ids (or 'all') to reject")
    p.add_argument("--db", type=Path, help="feedback database (default: $ZONGJIE_FEEDBACK_DB)")
    p.add_argument("--labels", type=Path, help="labels folder")
    p.set_defaults(func=cmd_labels_inbox)
    p = lsub.add_parser("audit", help="records whose labels disagree most with out-of-fold predictions")
    p.add_argument("-n", type=int, default=30, help="how many (default 30)")
    p.add_argument("--labels", type=Path, help="labels folder")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_labels_audit)

    p = sub.add_parser("suggest", help="the paragraphs of an archive most worth labelling next")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files, folders, .zip archives")
    p.add_argument("-n", type=int, default=50, help="how many paragraphs (default 50)")
    p.add_argument("-o", "--out", type=Path, default=Path("suggestions.csv"), help="output (default suggestions.csv)")
    p.add_argument("--format", choices=["csv", "xlsx", "jsonl"], help="default: from the extension")
    p.add_argument("--model", help="model version (default: the one in service)")
    p.add_argument("--models", type=Path, help="models folder")
    p.add_argument("--labels", type=Path, help="labels folder (paragraphs already labelled are skipped)")
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("train", help="train and evaluate a model version from labels/")
    p.add_argument("--labels", type=Path, help="labels folder (default: $ZONGJIE_LABELS_DIR or labels/)")
    p.add_argument("--models", type=Path, help="models folder (default: $ZONGJIE_MODELS_DIR or models/)")
    p.add_argument("--promote", action="store_true", help="put the new version in service")
    p.add_argument("--force", action="store_true", help="train even if data and settings are unchanged")
    p.add_argument("--no-learning-curve", action="store_true", help="skip the learning curve (faster)")
    p.add_argument("--devset", type=Path, help="labelled real paragraphs to score, never trained on "
                   "(default: $ZONGJIE_DEVSET or ../shared/devset/real_dev.jsonl when it exists)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score a labelled JSONL file with a saved model")
    p.add_argument("--model", help="model version (default: the one in service)")
    p.add_argument("--data", required=True, type=Path, help="labelled JSON Lines file")
    p.add_argument("--models", type=Path, help="models folder")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("classify", help="labels and scores for TEXT (or one paragraph per stdin line)")
    p.add_argument("text", nargs="?", help="paragraph text; read standard input when absent")
    p.add_argument("--title", help="title of the document the paragraphs come from (context)")
    p.add_argument("--heading", action="append", help="a heading above the paragraphs, outermost "
                   "first (repeat for each level)")
    p.add_argument("--model", help="model version (default: the one in service)")
    p.add_argument("--models", type=Path, help="models folder")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("serve", help="run the HTTP API (trains the default model first if none)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--models", type=Path, help="models folder")
    p.add_argument("--labels", type=Path, help="labels folder used when no model exists yet")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("tag", help="tag every paragraph of files, folders and .zip archives")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files, folders, .zip archives")
    p.add_argument("-o", "--out", required=True, type=Path, help="output file")
    p.add_argument("--format", choices=["jsonl", "csv", "xlsx"],
                   help="output format (default: from the output file's extension, else jsonl)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same OUT")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    p.add_argument("--model", help="model version (default: the one in service)")
    p.add_argument("--models", type=Path, help="models folder")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster (tcp://scheduler:8786)")
    p.add_argument("--quiet", action="store_true", help="no progress and no summary table")
    p.set_defaults(func=cmd_tag)

    models = sub.add_parser("models", help="the trained model versions")
    msub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    p = msub.add_parser("list", help="versions with their headline metrics")
    p.add_argument("--models", type=Path, help="models folder")
    p.set_defaults(func=cmd_models_list)
    p = msub.add_parser("compare", help="per-label and overall differences of two versions")
    p.add_argument("a", help="version A (e.g. the one in service)")
    p.add_argument("b", help="version B (e.g. the new one)")
    p.add_argument("--models", type=Path, help="models folder")
    p.add_argument("--labels", type=Path, help="labels folder (for the comparison set)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_models_compare)
    p = msub.add_parser("rollback", help="put the previously promoted version back in service")
    p.add_argument("--models", type=Path, help="models folder")
    p.set_defaults(func=cmd_models_rollback)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Settings.from_env())
    except ZongjieError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
