"""Start the web chat: `python app.py [--host 127.0.0.1] [--port 7860] [--corpus corpus] [--index index]
[--model NAME] [--encoder int8|float]`.

Builds index/ from corpus/ first when it is missing or stale (a fresh index is used as it is), then serves the
app from assistant/web/ui.py. It binds 127.0.0.1 unless told otherwise and never creates a public share link.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model comes from PyPI packages; never reach for a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline machines: no usage pings


def main(argv: list[str] | None = None) -> int:
    from assistant.errors import SettingsError
    from assistant.settings import ENCODERS, Settings
    from assistant.web import ui
    from assistant.web.service import Service

    parser = argparse.ArgumentParser(description="新闻问答助手 web app")
    parser.add_argument("--host", default=ui.DEFAULT_HOST, help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=ui.DEFAULT_PORT, help="port (default: 7860)")
    parser.add_argument("--corpus", default="corpus", help="folder of articles (default: corpus)")
    parser.add_argument("--index", default="index", help="index folder (default: index)")
    parser.add_argument("--model", default=None, help="sentence-transformers name or folder (env ASSISTANT_MODEL)")
    parser.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=None,
        help="int8 (ONNX Runtime, the default model's default) or float (PyTorch) (env ASSISTANT_ENCODER)",
    )
    args = parser.parse_args(argv)

    print(f"正在检查索引 {args.index}（来自 {args.corpus}）… (checking the index)", flush=True)
    try:
        settings = Settings.from_env(model=args.model, encoder=args.encoder)
    except SettingsError as exc:  # ASSISTANT_ENCODER with an unknown value
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 2
    service = Service.start(args.corpus, args.index, settings, progress=_print_progress)
    if service.problem:
        print(f"⚠ {service.problem}\n  网页仍会启动，修正后可在“语料库”页重建索引。", file=sys.stderr, flush=True)
    elif service.assistant.report:
        print(service.assistant.report.summary(), flush=True)
    app = ui.build_app(service)
    threading.Thread(target=service.examples, daemon=True).start()  # ready before the first visitor asks
    print(f"打开 http://{args.host}:{args.port} (serving; Ctrl+C to stop)", flush=True)
    try:
        ui.launch(app, args.host, args.port)
    except OSError as exc:  # port taken, address not available
        print(f"错误：无法在 {args.host}:{args.port} 启动 ({exc})。请用 --port 换一个端口。", file=sys.stderr)
        return 2
    return 0


def _print_progress(stage: str, done: int, total: int) -> None:
    if done == total or done % 256 == 0:
        print(f"  {stage}: {done}/{total}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
