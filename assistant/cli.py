"""Command line: build the index, add and remove corpus files, search, ask, inspect a corpus file."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from .errors import AssistantError, SettingsError
from .results import Hit, page_label
from .settings import ENCODERS, READER_THRESHOLD, READER_THRESHOLD_ENV, Settings, threshold_from
from .text.intake import Intake, add_file, remove_file


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
    build.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="embed on Ray: a cluster address (ray://HOST:10001, auto), or none to start Ray on this machine",
    )
    build.add_argument("--ray-actors", type=int, default=2, help="Ray actors embedding at once (default: 2)")
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
            _llm_options(
                command, "OpenAI-compatible base URL, or 'local' for the bundled model (env ASSISTANT_LLM_BASE_URL)"
            )
            reader_options(command)

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
    model_options(evaluate)
    _store_option(evaluate, " (a Milvus store is evaluated in the collection <name>_eval, never <name> itself)")
    # Only the flag turns the model on: a benchmark must not change answerer because of the environment.
    _llm_options(evaluate, "answer with the model at this OpenAI-compatible base URL (API key from the environment)")
    reader_options(evaluate)
    evaluate.set_defaults(run=_eval)

    add = commands.add_parser("add", help="check files, copy them into the corpus folder and update the index")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    remove = commands.add_parser("remove", help="delete files from the corpus folder and update the index")
    remove.add_argument("files", nargs="+", metavar="FILE", help="a corpus file, by its path or its name in the corpus")
    for command, run in ((add, _add), (remove, _remove)):
        command.add_argument("--corpus", type=Path, default=Path("corpus"), help="folder of articles (default: corpus)")
        command.add_argument("--no-build", action="store_true", help="only change the corpus folder")
        _index_and_model(command)
        command.set_defaults(run=run)

    inspect = commands.add_parser("inspect", help="show the articles, passages and flags of one corpus file")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--corpus", type=Path, default=None, help="corpus folder the file belongs to")
    inspect.set_defaults(run=_inspect)
    return parser


def _index_and_model(command: argparse.ArgumentParser) -> None:
    command.add_argument("--index", default="index", help="index folder (default: index)")
    model_options(command)
    _store_option(command)


def model_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--model", default=None, help="sentence-transformers name or folder (env ASSISTANT_MODEL)")
    command.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=None,
        help="int8 (OpenVINO, the default model's default) or float (PyTorch) (env ASSISTANT_ENCODER)",
    )


def _store_option(command: argparse.ArgumentParser, extra: str = "") -> None:
    command.add_argument(
        "--store",
        default=None,
        metavar="milvus://HOST:PORT[/collection]",
        help=f"keep the index in Milvus instead of the --index folder (env ASSISTANT_STORE){extra}",
    )


def _llm_options(command: argparse.ArgumentParser, url_help: str) -> None:
    command.add_argument("--llm-url", default=None, help=url_help)
    command.add_argument("--llm-model", default=None, help="model name at that endpoint (env ASSISTANT_LLM_MODEL)")


def reader_options(command: argparse.ArgumentParser) -> None:
    reader = command.add_mutually_exclusive_group()
    reader.add_argument("--no-reader", action="store_true", help="answer without the reading model (faster)")
    reader.add_argument("--reader-model", default=None, help="a GGUF file to judge answers with (env ASSISTANT_READER)")
    reader.add_argument("--reader-url", default=None, help="an OpenAI-compatible endpoint to judge with instead")
    command.add_argument(
        "--reader-threshold",
        type=_threshold,
        default=None,
        help=f"p(是) the reader needs to accept a sentence (default {READER_THRESHOLD}; {READER_THRESHOLD_ENV})",
    )


def _threshold(text: str) -> float:
    try:
        return threshold_from(text)
    except SettingsError as error:  # argparse turns this into a usage error naming the flag
        raise argparse.ArgumentTypeError(str(error)) from None


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment and the command's --model, --encoder and reader flags."""
    settings = Settings.from_env(model=args.model, encoder=args.encoder, store=getattr(args, "store", None))
    reader = settings.reader
    if getattr(args, "no_reader", False):
        reader = replace(reader, off=True)
    elif getattr(args, "reader_model", None):
        reader = replace(reader, off=False, model=args.reader_model, base_url="")
    elif getattr(args, "reader_url", None):
        reader = replace(reader, off=False, base_url=args.reader_url)
    if getattr(args, "reader_threshold", None) is not None:
        reader = replace(reader, threshold=args.reader_threshold)
    return replace(settings, reader=reader)


def _build(args: argparse.Namespace) -> int:
    from .core import Assistant

    assistant = Assistant.build(
        args.corpus, args.index, settings_from(args), progress=_bars(), ray=args.ray, ray_actors=args.ray_actors
    )
    report = assistant.report
    for source, reason in report.skipped.items():
        print(f"skipped {source}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def _bars() -> Callable[[str, int, int], None]:
    """A progress callback drawing one bar per build stage."""
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage) or bars.setdefault(
            stage, tqdm(total=total, desc=stage, unit="passage" if stage == "embed" else "file")
        )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _add(args: argparse.Namespace) -> int:
    return _change_corpus(args, [add_file(args.corpus, path) for path in args.files], "added")


def _remove(args: argparse.Namespace) -> int:
    corpus = args.corpus.resolve()
    names = []
    for given in args.files:
        path = Path(given).resolve()
        # A path into the corpus folder names the file as the index does; anything else is taken as that name.
        names.append(path.relative_to(corpus).as_posix() if path.is_relative_to(corpus) else given)
    return _change_corpus(args, [remove_file(args.corpus, name) for name in names], "removed")


def _change_corpus(args: argparse.Namespace, outcomes: list[Intake], done: str) -> int:
    """Report each file's outcome, then bring the index up to date; 1 when any file was refused."""
    for outcome in outcomes:
        if outcome.ok:
            print(f"{done} {outcome.source}")
        else:
            print(f"错误 (error): {outcome.problem}", file=sys.stderr)
    if any(o.ok for o in outcomes) and not args.no_build:
        _build(
            argparse.Namespace(
                corpus=args.corpus,
                index=args.index,
                model=args.model,
                encoder=args.encoder,
                store=args.store,
                ray=None,
                ray_actors=2,
            )
        )
    return 0 if all(o.ok for o in outcomes) else 1


def _load(args: argparse.Namespace):
    from .core import Assistant

    return Assistant.load(args.index, settings_from(args))


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
        print(f"{rank}. [{hit.score:.4f}] {hit.title}  ({_where(hit)} [{hit.article}] {hit.start}-{hit.end}){flags}")
        print(f"   {hit.text}\n")
    return 0


def _llm_settings(args: argparse.Namespace, assistant):
    """The generating model asked for: an endpoint, 'local' for the bundled model, or none (quoted answers)."""
    from .answers.llm import LOCAL, LLMSettings, local_llm_settings

    if (args.llm_url or "").strip().lower() == LOCAL:
        return local_llm_settings(assistant.settings.reader)
    return LLMSettings.from_env(base_url=args.llm_url, model=args.llm_model)


def _ask(args: argparse.Namespace) -> int:
    assistant = _load(args)
    llm = _llm_settings(args, assistant)
    *_, last = assistant.answer_updates(args.question, k=args.k, llm=llm, **_scope(args))
    answer = last.answer
    if last.note:
        print(last.note, file=sys.stderr)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    for c in answer.citations:
        print(f"\n[{c.n}] {c.hit.title}  ({_where(c.hit)} {c.hit.start}-{c.hit.end})\n    {c.hit.text}")
    for hit in answer.related:
        print(f"\n可能相关 (possibly related): {hit.title}  ({hit.source})")
    return 0


def _where(hit: Hit) -> str:
    """The file of a hit, with its PDF page ("news.pdf 第2页")."""
    return " ".join(part for part in (hit.source, page_label(hit.pages)) if part)


def _eval(args: argparse.Namespace) -> int:
    from . import evaluation
    from .answers.llm import LLMSettings
    from .answers.reader import load_reader
    from .core import shared_embedder

    settings = settings_from(args)
    llm = LLMSettings.from_env(base_url=args.llm_url, model=args.llm_model) if args.llm_url else None
    # Only the flags turn the reader off: eval measures the product's default answerer unless told otherwise.
    reader = None if args.no_reader else load_reader(settings)
    articles = evaluation.load_passages(args.passages)
    questions = evaluation.load_questions(args.questions, args.limit, args.seed)
    embedder = shared_embedder(settings.model, settings.resolved_encoder)
    retriever, build_s = evaluation.build_retriever(articles, embedder, settings)
    unanswerable = evaluation.load_questions(args.unanswerable) if args.unanswerable else []
    total = len(questions) * (len(evaluation.METHODS) + 1) + len(unanswerable)
    with tqdm(total=total, desc="questions", disable=args.json) as bar:
        reports = evaluation.evaluate_retrieval(retriever, questions, build_s, args.k, on_question=lambda: bar.update())
        asked = {
            "ask": evaluation.evaluate_answers(retriever, questions, unanswerable, on_question=bar.update, llm=llm)
        }
        if reader is not None and llm is None:  # unchecked, then the reader: side by side
            bar.total += len(questions) + len(unanswerable)
            asked["ask_reader"] = evaluation.evaluate_answers(
                retriever, questions, unanswerable, on_question=bar.update, reader=reader
            )
    if args.json:
        reported = {**{r.method: r.to_dict() for r in reports}, **{k: v.to_dict() for k, v in asked.items()}}
        print(json.dumps(reported, ensure_ascii=False, indent=2))
    else:
        print(evaluation.format_table(reports))
        for name, report in asked.items():
            print(f"{name}:", json.dumps(report.to_dict(), ensure_ascii=False))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from .inspection import render_file

    path = args.file
    corpus = args.corpus or path.parent
    print(render_file(path, path.resolve().relative_to(corpus.resolve()).as_posix(), Settings.from_env().chunking))
    return 0
