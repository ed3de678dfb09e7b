"""`zongjie labels …`: check, stats, import, inbox, audit."""
from __future__ import annotations

import argparse
from pathlib import Path

from training.errors import ZongjieError

from serving.settings import Settings
from serving.cli.common import JSON, LABELS, command, group, labels_folder, print_json
from serving.cli.progress import ProgressView


def _folder(args, settings: Settings) -> Path:
    """The labels folder: the older plain argument (`labels check DIR`) still counts as --labels."""
    if args.path is not None:
        settings = settings.with_flags(labels=args.path)
    return labels_folder(settings)


def cmd_check(args, settings: Settings) -> int:
    from training.checks import check_labels

    path = _folder(args, settings)
    problems = check_labels(path, devset=settings.devset if settings.devset.is_file() else None)
    for problem in problems:
        print(problem)
    errors = [p for p in problems if not p.warning]
    warnings = len(problems) - len(errors)
    print(f"{len(errors)} problem(s), {warnings} warning(s) in {path}" if problems
          else f"{path}: all records valid")
    return 1 if errors else 0


def cmd_stats(args, settings: Settings) -> int:
    from training.checks import label_stats, stats_table
    from training.dataset import load_records

    print(stats_table(label_stats(load_records(_folder(args, settings)))))
    return 0


NEXT = "next: `zongjie labels check`, then `zongjie train --promote`"


def _print_merge(result, what: str) -> None:
    """What `labels import` and `labels inbox --accept` say: conflicts, then the counts."""
    for conflict in result.conflicts:
        print(conflict)
    where = f" to {result.path}" if result.path else ""
    print(f"{what} {len(result.added)} correction(s){where}; {result.duplicates} already in "
          f"labels/ (skipped), {len(result.conflicts)} conflict(s)", end="")


def cmd_import(args, settings: Settings) -> int:
    import getpass

    from training.corrections import import_corrections

    result = import_corrections(labels_dir=labels_folder(settings), path=args.file,
                                user=args.user or getpass.getuser())
    _print_merge(result, "imported")
    print(f", {result.unreviewed} row(s) without corrected_labels (not reviewed)")
    if result.added:
        print(NEXT)
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


def _list_inbox(store, pending, db: Path) -> None:
    from serving.batch.limits import size_text

    if not pending:
        print("inbox empty: no pending corrections")
        return
    stats = store.stats()
    print(f"{stats['pending']} pending correction(s), {stats['pending_chars']:,} characters; "
          f"{db}: {size_text(stats['bytes'])}" + ("; the first 100:" if len(pending) > 100 else ""))
    for f in pending[:100]:
        shown = f.text if len(f.text) <= 50 else f.text[:49] + "…"
        print(f"#{f.id}\t{f.created}\t{f.user or '-'}\t{'、'.join(f.labels) or '(无)'}\t"
              f"model {f.model or '-'}\t{shown}" + (f"\t({f.note})" if f.note else ""))


def cmd_inbox(args, settings: Settings) -> int:
    from training.service import decide_inbox

    from serving.api.feedback import FeedbackStore

    db = settings.feedback_db
    if not db.exists():
        print(f"no corrections yet ({db} does not exist; {settings.where('feedback_db').rule})")
        return 0
    store = FeedbackStore(db)
    pending = store.list("pending")
    accept, reject = _parse_ids(args.accept, pending), _parse_ids(args.reject, pending)
    if not accept and not reject:
        _list_inbox(store, pending, db)
        return 0
    result = decide_inbox(labels_folder(settings) if accept else settings.labels_dir, pending,
                          accept=accept, reject=reject, decide=store.decide)
    if result is not None:
        _print_merge(result, "accepted")
        print(f"; {len(result.conflicts)} left pending in the inbox" if result.conflicts else "")
        if result.added:
            print(NEXT)
    if reject:
        print(f"rejected {len(reject)} correction(s)")
    return 0


def cmd_audit(args, settings: Settings) -> int:
    from training.audit import audit

    with ProgressView() as progress:
        rows = audit(labels_dir=labels_folder(settings), top=args.n, progress=progress)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        shown = r["text"] if len(r["text"]) <= 60 else r["text"][:59] + "…"
        print(f"{r['path']}:{r['line']} {r['id']}  labelled {'、'.join(r['labels']) or '(无)'}  "
              f"predicted {'、'.join(r['predicted']) or '(无)'}  (disagreement {r['disagreement']:.2f})\n    {shown}")
    return 0


def register(sub) -> None:
    actions = group(sub, "labels", "检查、统计、导入标注数据")
    for name, help, func in (("check", "校验标注文件夹里的每个文件（有问题时退出码为 1）", cmd_check),
                             ("stats", "记录数、文档数与各标签计数（种子与编写的分开）", cmd_stats)):
        p = command(actions, name, help, LABELS, func=func)
        p.add_argument("path", nargs="?", type=Path, metavar="DIR", help=argparse.SUPPRESS)
    p = command(actions, "import", "导入修改过的标签（tag 或 suggest 输出的 CSV/XLSX，或 JSONL）",
                LABELS, func=cmd_import)
    p.add_argument("file", type=Path, help="带 corrected_labels 列的 CSV/XLSX，或 JSONL")
    p.add_argument("--user", help="修改人（默认：当前登录名）")
    p = command(actions, "inbox", "通过 /v1/feedback 提交的修改：列出、接受或拒绝", LABELS, func=cmd_inbox)
    p.add_argument("--accept", nargs="+", metavar="ID", help="接受并写入标注数据的编号（或 all）")
    p.add_argument("--reject", nargs="+", metavar="ID", help="拒绝的编号（或 all）")
    p.add_argument("--db", type=Path, metavar="FILE",
                   help="反馈数据库（默认：$ZONGJIE_FEEDBACK_DB，否则标注文件夹里的 inbox.sqlite3）")
    p = command(actions, "audit", "与交叉验证预测最不一致的记录（可能标错）", LABELS, JSON, func=cmd_audit)
    p.add_argument("-n", type=int, default=30, help="列出多少条（默认 30）")
