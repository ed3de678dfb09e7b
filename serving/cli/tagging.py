"""`zongjie classify`, `tag` and `suggest`: the model in service on text, files and archives."""
from __future__ import annotations

import sys
from pathlib import Path

from training.errors import ZongjieError

from serving.settings import Settings
from serving.cli.common import (JSON, LABELS, MODEL, MODELS, SOURCES, command, labels_folder, model_in_service,
                     output_options, print_json)
from serving.cli.progress import ProgressView


def cmd_classify(args, settings: Settings) -> int:
    from training import artifact

    from serving.scoring.predictor import Predictor, request_context

    text = args.text if args.text is not None else sys.stdin.read()
    paragraphs = [p.strip() for p in text.splitlines() if p.strip()]
    if not paragraphs:
        raise ZongjieError("nothing to classify: give TEXT or pipe paragraphs on standard input")
    predictor = Predictor(artifact.load_compiled(settings.models_dir, model_in_service(settings, args.model)))
    predictions = predictor.predict(paragraphs, request_context(args.title, args.heading, len(paragraphs)))
    explained = [predictor.explainer.explain(t, p.labels) if args.explain else None
                 for t, p in zip(paragraphs, predictions)]
    if args.json:
        print_json({"model": predictor.version, "results": [
            {"text": t, "labels": p.labels, "scores": p.scores, **({"explain": e} if args.explain else {})}
            for t, p, e in zip(paragraphs, predictions, explained)]})
        return 0
    for text, pred, why in zip(paragraphs, predictions, explained):
        shown = text if len(text) <= 40 else text[:39] + "…"
        print(f"{'、'.join(pred.labels) or '(无标签)'}\t{shown}")
        print("    " + "  ".join(f"{k} {v:.2f}" for k, v in pred.scores.items()))
        for label, terms in (why or {}).items():
            print(f"    {label} 依据: " + ("  ".join(f"{t['term']} {t['weight']:.2f}" for t in terms) or "—"))
    return 0


def _tag_progress(view: ProgressView):
    """The batch labeller's progress (serving/batch/run.py's Progress) as a step of the view."""
    def show(p) -> None:
        rate = p.paragraphs / p.elapsed if p.elapsed else 0.0
        view("files", p.files_done, p.files_total, f"{p.paragraphs} paragraphs  {rate:,.0f} paragraphs/s")
    return show


def cmd_tag(args, settings: Settings) -> int:
    from serving.batch.run import run_tag, summary_rows
    from serving.batch.limits import Limits
    from serving.batch.tagger import ModelRef

    version = model_in_service(settings, args.model)
    fmt = args.format or (args.out.suffix.lstrip(".").lower() if args.out.suffix else "jsonl")
    view = ProgressView(quiet=args.quiet)
    try:
        with view:
            result = run_tag(args.paths, out=args.out, fmt=fmt, model=ModelRef(str(settings.models_dir), version),
                             workers=args.workers, resume=args.resume, overwrite=args.overwrite,
                             dask=args.dask, on_progress=_tag_progress(view), limits=Limits.from_settings(settings))
    except KeyboardInterrupt:
        print(f"Interrupted: what was written is kept; continue with `zongjie tag … -o {args.out} "
              "--resume`", file=sys.stderr)
        return 130
    if not args.quiet:
        rows = summary_rows(result.documents)
        for row in rows[:201]:
            print("\t".join(row))
        if len(rows) > 201:
            print(f"… and {len(rows) - 201} more documents (the xlsx format has them all "
                  "in its documents sheet)")
    rate = result.paragraphs / result.seconds if result.seconds else 0
    print(f"{result.paragraphs} paragraphs from {len(result.documents)} documents → {result.out} "
          f"({rate:,.0f} paragraphs/s, model {version})")
    if result.errors_path:
        print(f"{result.failed} file(s) could not be read, {result.skipped} skipped: "
              f"see {result.errors_path}")
    return 2 if result.failed else 0


def cmd_suggest(args, settings: Settings) -> int:
    from training import artifact
    from training.dataset import load_records

    from serving.batch.output import write_table
    from serving.scoring.predictor import Predictor
    from serving.batch.suggest import suggest

    loaded = artifact.load_compiled(settings.models_dir, model_in_service(settings, args.model))
    known = {"".join(r.text.split()) for r in load_records(labels_folder(settings))}
    with ProgressView() as progress:
        rows = suggest(args.paths, predictor=Predictor(loaded), n=args.n, known_texts=known, progress=progress)
    fmt = args.format or (args.out.suffix.lstrip(".").lower() or "csv")
    write_table(args.out, fmt, rows)
    docs = len({(r["source"], r["member"]) for r in rows})
    print(f"{len(rows)} paragraphs from {docs} documents → {args.out}: fill in corrected_labels "
          f"(labels separated by 、 , ; or spaces; 无 for no label), then `zongjie labels import {args.out}`")
    return 0


def register(sub) -> None:
    p = command(sub, "classify", "给一段文字（或标准输入的每一行）打标签并给出分数", MODEL, MODELS, JSON,
                func=cmd_classify)
    p.add_argument("text", nargs="?", help="段落文字；不给时读标准输入")
    p.add_argument("--title", help="段落所在文档的标题（上下文）")
    p.add_argument("--heading", action="append", help="段落上方的标题，从外到内（每一级重复一次）")
    p.add_argument("--explain", action="store_true", help="列出推高各标签的词语（与接口的 explain 相同）")

    p = command(sub, "tag", "给文件、文件夹和 .zip 压缩包里的每个段落打标签", SOURCES, MODEL, MODELS,
                func=cmd_tag)
    output_options(p, default=None, formats=["jsonl", "csv", "xlsx"],
                   format_help="输出格式（默认：按输出文件的扩展名，否则 jsonl）")
    p.add_argument("--workers", type=int, default=1, help="工作进程数（默认 1）")
    p.add_argument("--resume", action="store_true", help="接着中断的任务写入同一个 OUT")
    p.add_argument("--overwrite", action="store_true", help="覆盖已有的 OUT")
    p.add_argument("--dask", metavar="ADDRESS", help="在 Dask 集群上运行（tcp://scheduler:8786）")
    p.add_argument("--quiet", action="store_true", help="不显示进度和汇总表")

    p = command(sub, "suggest", "压缩包里最值得下一步标注的段落", SOURCES, MODEL, MODELS, LABELS,
                func=cmd_suggest)
    p.add_argument("-n", type=int, default=50, help="多少段（默认 50）")
    output_options(p, default=Path("suggestions.csv"), formats=["csv", "xlsx", "jsonl"],
                   format_help="输出格式（默认：按扩展名）")
