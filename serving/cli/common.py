"""What every command group shares: the parser in Chinese, the options declared once, the
folders found and checked, the model in service, JSON output."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from training.errors import ConfigError

from serving.locate import hint
from serving.settings import Settings


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help with its headings in Chinese."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors speak Chinese (option names stay English)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title, self._optionals.title = "参数", "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 错误 (error): {message}\n")


def _options(*adders) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    for add in adders:
        add(parent)
    return parent


# The options shared by several commands, each declared once (argparse parents).
MODELS = _options(lambda p: p.add_argument(
    "--models", type=Path, metavar="DIR", help="模型文件夹（默认：`zongjie info` 显示的位置）"))
LABELS = _options(lambda p: p.add_argument(
    "--labels", type=Path, metavar="DIR", help="标注数据文件夹（默认：`zongjie info` 显示的位置）"))
MODEL = _options(lambda p: p.add_argument(
    "--model", metavar="VERSION", help="模型版本：版本名、CURRENT（在用的，默认）或 previous（上一个在用的）"))
JSON = _options(lambda p: p.add_argument("--json", action="store_true", help="以 JSON 输出"))
SOURCES = _options(lambda p: p.add_argument(
    "paths", nargs="+", type=Path, metavar="PATH", help="文件、文件夹或 .zip 压缩包"))


def output_options(parser: argparse.ArgumentParser, *, default: Path | None, formats: list[str],
                   format_help: str) -> None:
    """-o/--out and --format, as `tag` and `suggest` write tables."""
    parser.add_argument("-o", "--out", type=Path, required=default is None, default=default,
                        metavar="OUT", help="输出文件" + (f"（默认 {default}）" if default else ""))
    parser.add_argument("--format", choices=formats, help=format_help)


def command(sub, name: str, help: str, *parents: argparse.ArgumentParser, func=None) -> Parser:
    """A subcommand with a Chinese help line, the given shared options and its function."""
    parser = sub.add_parser(name, help=help, description=help, parents=list(parents))
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def group(sub, name: str, help: str):
    """A command group (`zongjie labels …`): its sub-parsers."""
    parser = sub.add_parser(name, help=help, description=help, parents=[])
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION", title="操作")


def print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def where(settings: Settings, key: str) -> str:
    """A folder for a message: its path, the rule that chose it, how to choose another."""
    found = settings.where(key)
    kind = "feedback" if key == "feedback_db" else key.removesuffix("_dir")
    return f"{found.path} ({found.rule}; to use another: {hint(kind)})"


def labels_folder(settings: Settings) -> Path:
    """The labels folder, which must exist."""
    if not settings.labels_dir.is_dir():
        raise ConfigError(f"labels folder not found: {where(settings, 'labels_dir')}")
    return settings.labels_dir


def version(settings: Settings, name: str | None) -> str:
    """The version a --model value (None, CURRENT, previous, a version) means."""
    from training.service import resolve_version

    return resolve_version(settings.models_dir, name, where(settings, "models_dir"))


def model_in_service(settings: Settings, name: str | None) -> str:
    """Like `version`; with no model in service, the bundled one is installed first if there is one."""
    if name is None or name == "CURRENT":
        from training.service import ensure_model

        from serving.bundled import BUNDLED_DIR

        provided = ensure_model(settings.models_dir, bundled=BUNDLED_DIR)
        if provided is not None and provided.how == "bundled":
            print(f"installed the bundled model {provided.version} in {settings.models_dir} "
                  "(now in service)", file=sys.stderr)
    return version(settings, name)
