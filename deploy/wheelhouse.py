"""`make wheelhouse`: every wheel zongjie needs, for Linux x86_64 and Windows amd64 on Python 3.11
and 3.12, with zongjie's own wheel carrying the model in service (serving/default_model/), in a
folder and a zip, for `pip install --no-index --find-links wheelhouse zongjie`."""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "serving" / "default_model"
TARGETS = {  # name: (uv's --python-platform, pip's --platform tags)
    "linux": ("x86_64-manylinux_2_28", ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64",
                                        "manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
    "windows": ("x86_64-pc-windows-msvc", ["win_amd64"]),
}
SOURCE_ONLY = ["jieba"]  # pure Python, published on PyPI as a source archive only


class Failed(Exception):
    """A step failed; the message says which and what to do."""


def run(*cmd: str | Path) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    if subprocess.run([str(c) for c in cmd]).returncode != 0:
        raise Failed(f"this step failed: {' '.join(map(str, cmd))}")


def bundle_model(models: Path) -> str:
    """Copy the version that models/CURRENT names into serving/default_model/ (plus VERSION)."""
    current = models / "CURRENT"
    if not current.is_file():
        raise Failed(f"no model in service in {models.resolve()} ({current.name} is missing): "
                     "run `zongjie train --promote` first, or give --models DIR")
    version = current.read_text(encoding="utf-8").strip()
    source = models / version
    if not (source / "metadata.json").is_file():
        raise Failed(f"{current.resolve()} names {version!r}, but {source.resolve()} has no metadata.json")
    shutil.rmtree(BUNDLE, ignore_errors=True)
    BUNDLE.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.is_symlink():
            shutil.copy2(path, BUNDLE / path.name)
    (BUNDLE / "VERSION").write_text(version + "\n", encoding="utf-8")
    return version


def build(out: Path, models: Path, targets: list[str], pythons: list[str], extras: str) -> Path:
    """Fill `out` with the wheels; returns zongjie's own wheel."""
    version = bundle_model(models)
    print(f"model {version} bundled in {BUNDLE.relative_to(REPO)}/", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip"]
    run(*pip, "wheel", "--no-deps", "-q", "-w", out, REPO)
    shutil.rmtree(REPO / "build", ignore_errors=True)
    [own] = out.glob("zongjie-*.whl")
    run(*pip, "wheel", "--no-deps", "-q", "-w", out, *SOURCE_ONLY)
    spec = out / "zongjie.in"  # zongjie's own wheel, with the optional parts asked for
    spec.write_text(f"zongjie{f'[{extras}]' if extras else ''} @ {own.resolve().as_uri()}\n", "utf-8")
    for target in targets:
        uv_platform, tags = TARGETS[target]
        for python in pythons:
            pinned = out / f"requirements-{target}-py{python}.txt"
            # uv resolves for the target's markers (pip would use this machine's: uvloop on Windows).
            run(sys.executable, "-m", "uv", "pip", "compile", "-q", "--no-header", "--no-annotate",
                "--python-platform", uv_platform, "--python-version", python, "--find-links", out,
                "-o", pinned, spec)
            wanted = [line for line in pinned.read_text("utf-8").splitlines()
                      if line.strip() and not line.startswith(("zongjie", "#"))
                      and line.split("==")[0] not in SOURCE_ONLY]
            pinned.write_text("\n".join(wanted) + "\n", encoding="utf-8")
            run(*pip, "download", "-q", "--no-deps", "--only-binary=:all:", "--implementation", "cp",
                "--python-version", python, *[x for tag in tags for x in ("--platform", tag)],
                "-d", out, "-r", pinned)
    spec.unlink()
    return own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "wheelhouse")
    parser.add_argument("--models", type=Path, default=REPO / "models",
                        help="models folder whose CURRENT version is bundled (default models/)")
    parser.add_argument("--targets", default="linux,windows", help="linux, windows or both")
    parser.add_argument("--python", default="3.11,3.12", help="Python versions (default 3.11,3.12)")
    parser.add_argument("--extras", default="", help="optional parts to include too, e.g. dask")
    parser.add_argument("--no-zip", action="store_true", help="leave out the zip of the folder")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target {unknown[0]!r} (choose {', '.join(TARGETS)})")
    try:
        own = build(args.out, args.models, targets, args.python.split(","), args.extras)
    except Failed as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    wheels = sorted(args.out.glob("*.whl"))
    size = sum(w.stat().st_size for w in wheels) / 2**20
    print(f"{len(wheels)} wheels, {size:.0f} MiB in {args.out} (zongjie's own: {own.name})")
    if not args.no_zip:
        archive = shutil.make_archive(str(args.out), "zip", args.out.parent, args.out.name)
        print(f"zip: {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
