"""`zongjie serve`: the HTTP API on the model in service (installed or trained first if none)."""
from __future__ import annotations

import os

from training.errors import ModelError

from serving.settings import Settings
from serving.cli.common import LABELS, MODELS, command, where
from serving.cli.progress import ProgressView


def provide_model(settings: Settings) -> str:
    """The version to serve: the one in service, else the bundled one, else one trained now."""
    from training.service import ensure_model

    from serving.bundled import BUNDLED_DIR

    provided = ensure_model(settings.models_dir, bundled=BUNDLED_DIR)
    if provided is None and settings.labels_dir.is_dir():
        print(f"No model in service in {settings.models_dir}: training the default model from "
              f"{settings.labels_dir} …", flush=True)
        with ProgressView() as progress:
            provided = ensure_model(settings.models_dir, labels_dir=settings.labels_dir, progress=progress)
    if provided is None:
        raise ModelError(f"no model in service in {where(settings, 'models_dir')}, none bundled with "
                         f"this package, and no labels to train one: labels folder not found: "
                         f"{where(settings, 'labels_dir')}")
    if provided.how == "bundled":
        print(f"installed the bundled model {provided.version} in {settings.models_dir} (now in service)",
              flush=True)
    elif provided.how == "trained" and provided.report is not None:  # a trained model has its report
        headline = provided.report["overall"]
        print(f"model {provided.version}: macro-F1 {headline['macro_f1']:.3f}, "
              f"micro-F1 {headline['micro_f1']:.3f} (grouped CV); now in service", flush=True)
    return provided.version


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from training import artifact

    from serving.api.metrics import summed_over_workers
    from serving.scoring.predictor import Predictor

    version = provide_model(settings)
    Predictor(artifact.load_compiled(settings.models_dir, version))  # a clear error now, not in a worker
    # Workers are separate processes that read their settings from the environment.
    os.environ.update({"ZONGJIE_MODELS_DIR": str(settings.models_dir),
                       "ZONGJIE_LABELS_DIR": str(settings.labels_dir),
                       "ZONGJIE_FEEDBACK_DB": str(settings.feedback_db)})
    print(f"zongjie serving on http://{args.host}:{args.port} (docs at /docs)", flush=True)
    with summed_over_workers(args.workers):  # /metrics shows the sum over the workers
        uvicorn.run("serving.api.app:create_app", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level, access_log=False)
    return 0


def register(sub) -> None:
    p = command(sub, "serve", "运行 HTTP 接口（没有在用的模型时先安装内置模型或训练一个）", MODELS, LABELS,
                func=cmd_serve)
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    p.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    p.add_argument("--workers", type=int, default=1, help="工作进程数（默认 1）")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="日志级别（默认 info）")
