"""Start the web chat: `python app.py [--host 127.0.0.1] [--port 7860] [--corpus corpus] [--index index]
[--model NAME] [--encoder int8|float] [--no-reader]`.

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
    from assistant.cli import model_options, reader_options, settings_from
    from assistant.errors import SettingsError
    from assistant.web import ui
    from assistant.web.service import Service

    parser = argparse.ArgumentParser(description="新闻问答助手 web app")
    parser.add_argument("--host", default=ui.DEFAULT_HOST, help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=ui.DEFAULT_PORT, help="port (default: 7860)")
    parser.add_argument("--corpus", default="corpus", help="folder of articles (default: corpus)")
    parser.add_argument("--index", default="index", help="index folder (default: index)")
    model_options(parser)
    parser.add_argument(
        "--store", default=None, help="milvus://HOST:PORT[/collection]: the index in Milvus (env ASSISTANT_STORE)"
    )
    reader_options(parser)
    args = parser.parse_args(argv)

    try:
        settings = settings_from(args)
    except SettingsError as exc:  # an environment variable with an unknown value
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 2
    print(f"正在检查索引 {settings.store or args.index}（来自 {args.corpus}）… (checking the index)", flush=True)
    service = Service.start(args.corpus, args.index, settings, progress=_print_progress)
    if service.problem:
        print(f"⚠ {service.problem}\n  网页仍会启动，修正后可在“语料库”页重建索引。", file=sys.stderr, flush=True)
    elif service.assistant.report:
        print(service.assistant.report.summary(), flush=True)
    app = ui.build_app(service)
    threading.Thread(target=service.examples, daemon=True).start()  # ready before the first visitor asks
    if service.assistant:  # the reading model loads in seconds: not on the first visitor's time
        threading.Thread(target=lambda: service.assistant.reader, daemon=True).start()
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
