"""`zongjie train` and `zongjie evaluate`."""
from __future__ import annotations

import sys
from pathlib import Path

from serving.settings import Settings
from serving.cli.common import JSON, LABELS, MODEL, MODELS, command, labels_folder, print_json, version
from serving.cli.progress import ProgressView


def cmd_train(args, settings: Settings) -> int:
    from training.report import render_text
    from training.train import TrainSettings, train

    from serving.scoring.predictor import load_scorer

    with ProgressView(quiet=args.json) as progress:
        result = train(labels_dir=labels_folder(settings), models_dir=settings.models_dir,
                       settings=TrainSettings(learning_curve=not args.no_learning_curve),
                       force=args.force, promote=args.promote, load=load_scorer, progress=progress,
                       devset=args.devset or (settings.devset if settings.devset.is_file() else None))
    if args.json:
        print_json({"version": result.version, "reused": result.reused,
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

    from serving.scoring.predictor import load_scorer

    metrics = evaluate_file(models_dir=settings.models_dir, version=version(settings, args.model),
                            data=args.data, load=load_scorer)
    if args.json:
        print_json(metrics)
    else:
        print(metrics_text(metrics, f"model {metrics['model']} on {metrics['data']}"))
    return 0


def register(sub) -> None:
    p = command(sub, "train", "用标注数据训练并评估一个模型版本", LABELS, MODELS, JSON, func=cmd_train)
    p.add_argument("--promote", action="store_true", help="训练后让新版本上线（在用）")
    p.add_argument("--force", action="store_true", help="数据和设置没变也重新训练")
    p.add_argument("--no-learning-curve", action="store_true", help="不算学习曲线（更快）")
    p.add_argument("--devset", type=Path, help="只评分、从不训练的真实标注段落（默认：$ZONGJIE_DEVSET，"
                   "或存在时的 ../shared/devset/real_dev.jsonl）")
    p = command(sub, "evaluate", "用保存的模型给一个标注好的 JSONL 文件评分", MODEL, MODELS, JSON,
                func=cmd_evaluate)
    p.add_argument("--data", required=True, type=Path, help="标注好的 JSON Lines 文件")
