"""`zongjie models …`: list, compare, promote, rollback."""
from __future__ import annotations

from serving.settings import Settings
from serving.cli.common import JSON, LABELS, MODELS, command, group, labels_folder, print_json, where


def cmd_list(args, settings: Settings) -> int:
    from training import artifact

    models_dir = settings.models_dir
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


def cmd_compare(args, settings: Settings) -> int:
    from training.compare import compare_text
    from training.service import compare_on_comparison_set

    from serving.scoring.predictor import load_scorer

    comparison = compare_on_comparison_set(models_dir=settings.models_dir, labels_dir=labels_folder(settings),
                                           a=args.a, b=args.b, load=load_scorer,
                                           where=where(settings, "models_dir"))
    if args.json:
        print_json(comparison)
    else:
        print(compare_text(comparison))
    return 0


def cmd_promote(args, settings: Settings) -> int:
    from training.service import promote

    old, new = promote(settings.models_dir, args.version, where(settings, "models_dir"))
    if old == new:
        print(f"model {new} is already in service")
    else:
        print(f"model {new} is now in service (was {old or 'none'}); running servers follow within seconds")
    return 0


def cmd_rollback(args, settings: Settings) -> int:
    from training import artifact

    old, new = artifact.rollback(settings.models_dir)
    print(f"model {new} is back in service (was {old}); running servers follow within seconds")
    return 0


VERSION_HELP = "版本名、CURRENT（在用的）或 previous（上一个在用的）"


def register(sub) -> None:
    actions = group(sub, "models", "训练好的模型版本")
    command(actions, "list", "列出各版本及其主要指标（* 为在用的）", MODELS, func=cmd_list)
    p = command(actions, "compare", "两个版本在对比集上各标签与总体的差别", MODELS, LABELS, JSON,
                func=cmd_compare)
    p.add_argument("a", metavar="A", help="版本 A（例如 CURRENT）：" + VERSION_HELP)
    p.add_argument("b", metavar="B", help="版本 B（例如新训练的）：" + VERSION_HELP)
    p = command(actions, "promote", "让一个版本上线（例如回滚之后重新上线新版本）", MODELS, func=cmd_promote)
    p.add_argument("version", metavar="VERSION", help=VERSION_HELP)
    command(actions, "rollback", "让上一个上线过的版本重新上线", MODELS, func=cmd_rollback)
