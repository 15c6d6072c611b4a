"""Command line: build the index, search, ask, inspect a corpus file."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from .errors import AssistantError
from .settings import ENCODERS, Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "article", None) and not args.source:
        parser.error("--article 需要同时给出 --source (--article N needs the --source FILE it is in)")
    if args.run is _eval and args.llm_model and not args.llm_url:
        parser.error("eval 的 --llm-model 需要同时给出 --llm-url (eval asks a model only at the --llm-url given)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return args.run(args)
    except AssistantError as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build or update the index from the corpus folder")
    build.add_argument("--corpus", default="corpus", help="folder of articles (default: corpus)")
    _index_and_model(build)
    build.set_defaults(run=_build)

    for name, run, help_text in (
        ("search", _search, "show the passages that match a question"),
        ("ask", _ask, "answer a question with cited passages"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("question")
        command.add_argument("-k", type=int, default=5, help="number of passages (default: 5)")
        command.add_argument("--source", action="append", help="only this corpus file (repeatable)")
        command.add_argument(
            "--article",
            type=int,
            action="append",
            metavar="N",
            help="only article N of the --source file(s), numbered from 0 as `inspect` shows (repeatable)",
        )
        command.add_argument("--json", action="store_true", help="print JSON instead of text")
        _index_and_model(command)
        command.set_defaults(run=run)
        if name == "ask":
            _llm_options(command, "OpenAI-compatible base URL (env ASSISTANT_LLM_BASE_URL)")

    evaluate = commands.add_parser("eval", help="retrieval metrics on a question set, per method")
    evaluate.add_argument("--passages", type=Path, required=True, help="passages.jsonl: id, title, text")
    evaluate.add_argument(
        "--questions", type=Path, required=True, help="questions.jsonl: id, question, answers, passage_id"
    )
    evaluate.add_argument("--k", type=int, default=10, help="depth of the result lists (default: 10)")
    evaluate.add_argument("--limit", type=int, default=None, help="sample this many questions (fixed seed)")
    evaluate.add_argument("--seed", type=int, default=0, help="seed for --limit (default: 0)")
    evaluate.add_argument("--unanswerable", type=Path, default=None, help="questions the passages cannot answer")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object per method")
    _model_options(evaluate)
    # Only the flag turns the model on: a benchmark must not change answerer because of the environment.
    _llm_options(evaluate, "answer with the model at this OpenAI-compatible base URL (API key from the environment)")
    evaluate.set_defaults(run=_eval)

    inspect = commands.add_parser("inspect", help="show the articles, passages and flags of one corpus file")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--corpus", type=Path, default=None, help="corpus folder the file belongs to")
    inspect.set_defaults(run=_inspect)
    return parser


def _index_and_model(command: argparse.ArgumentParser) -> None:
    command.add_argument("--index", default="index", help="index folder (default: index)")
    _model_options(command)


def _model_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--model", default=None, help="sentence-transformers name or folder (env ASSISTANT_MODEL)")
    command.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=None,
        help="int8 (ONNX Runtime, the default model's default) or float (PyTorch) (env ASSISTANT_ENCODER)",
    )


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(model=args.model, encoder=args.encoder)


def _llm_options(command: argparse.ArgumentParser, url_help: str) -> None:
    command.add_argument("--llm-url", default=None, help=url_help)
    command.add_argument("--llm-model", default=None, help="model name at that endpoint (env ASSISTANT_LLM_MODEL)")


def _build(args: argparse.Namespace) -> int:
    from .core import Assistant

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage) or bars.setdefault(
            stage, tqdm(total=total, desc=stage, unit="passage" if stage == "embed" else "file")
        )
        bar.update(done - bar.n)

    assistant = Assistant.build(args.corpus, args.index, _settings(args), progress=progress)
    for bar in bars.values():
        bar.close()
    report = assistant.report
    for source, reason in report.skipped.items():
        print(f"skipped {source}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def _load(args: argparse.Namespace):
    from .core import Assistant

    return Assistant.load(args.index, _settings(args))


def _scope(args: argparse.Namespace) -> dict:
    """The sources or articles to search in, as keyword arguments of Assistant.search and ask."""
    if args.article:
        return {"articles": [(source, number) for source in args.source for number in args.article]}
    return {"sources": args.source}


def _search(args: argparse.Namespace) -> int:
    hits = _load(args).search(args.question, k=args.k, **_scope(args))
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("没有找到匹配的段落 (no matching passages)", file=sys.stderr)
    for rank, hit in enumerate(hits, 1):
        flags = f"  ⚠ {', '.join(hit.flags)}" if hit.flags else ""
        # [article] as `inspect` numbers it, for --article
        print(f"{rank}. [{hit.score:.4f}] {hit.title}  ({hit.source} [{hit.article}] {hit.start}-{hit.end}){flags}")
        print(f"   {hit.text}\n")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from .answers.llm import LLMSettings

    llm = LLMSettings.from_env(base_url=args.llm_url, model=args.llm_model)
    *_, last = _load(args).answer_updates(args.question, k=args.k, llm=llm, **_scope(args))
    answer = last.answer
    if last.note:
        print(last.note, file=sys.stderr)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    for c in answer.citations:
        print(f"\n[{c.n}] {c.hit.title}  ({c.hit.source} {c.hit.start}-{c.hit.end})\n    {c.hit.text}")
    for hit in answer.related:
        print(f"\n可能相关 (possibly related): {hit.title}  ({hit.source})")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from . import evaluation
    from .answers.llm import LLMSettings
    from .core import shared_embedder

    settings = _settings(args)
    llm = LLMSettings.from_env(base_url=args.llm_url, model=args.llm_model) if args.llm_url else None
    articles = evaluation.load_passages(args.passages)
    questions = evaluation.load_questions(args.questions, args.limit, args.seed)
    embedder = shared_embedder(settings.model, settings.resolved_encoder)
    retriever, build_s = evaluation.build_retriever(articles, embedder, settings)
    unanswerable = evaluation.load_questions(args.unanswerable) if args.unanswerable else []
    total = len(questions) * (len(evaluation.METHODS) + 1) + len(unanswerable)
    with tqdm(total=total, desc="questions", disable=args.json) as bar:
        reports = evaluation.evaluate_retrieval(retriever, questions, build_s, args.k, on_question=lambda: bar.update())
        asked = evaluation.evaluate_answers(
            retriever, questions, unanswerable, on_question=lambda: bar.update(), llm=llm
        )
    if args.json:
        print(
            json.dumps(
                {**{r.method: r.to_dict() for r in reports}, "ask": asked.to_dict()}, ensure_ascii=False, indent=2
            )
        )
    else:
        print(evaluation.format_table(reports))
        print("ask:", json.dumps(asked.to_dict(), ensure_ascii=False))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from .inspection import render_file

    path = args.file
    corpus = args.corpus or path.parent
    print(render_file(path, path.resolve().relative_to(corpus.resolve()).as_posix(), Settings.from_env().chunking))
    return 0
