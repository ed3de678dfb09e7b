"""The parser of every command group and the one place errors become messages."""
from __future__ import annotations

import os
import sys

from training.errors import ZongjieError

from serving.settings import Settings
from serving.cli import info, labels, models, serve, tagging, trainer
from serving.cli.common import Parser

GROUPS = (labels, tagging, trainer, serve, models, info)


def build_parser() -> Parser:
    parser = Parser(prog="zongjie", description=(
        "给教育局工作总结、工作计划等文档的段落打标签（基建 资助 德育 安全 师资 / 问题 计划）。"
        "Tag the paragraphs of Chinese education-bureau work reports."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="命令")
    for module in GROUPS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env().with_flags(models=getattr(args, "models", None),
                                                  labels=getattr(args, "labels", None),
                                                  db=getattr(args, "db", None))
        return args.func(args, settings)
    except ZongjieError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `zongjie … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
