"""The package's folders are pipeline stages: no module imports from a stage after its own."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"

# Lower ranks come first in the pipeline; a module may import only from its own rank or a lower one.
RANKS = {
    "errors": 0,
    "results": 0,
    "settings": 0,
    "text": 1,
    "model": 2,
    "store": 3,
    "search": 4,
    "answers": 5,
    "core": 6,
    "evaluation": 6,
    "inspection": 6,
    "web": 7,
    "cli": 8,
    "__main__": 8,
    "__init__": 8,
}


def _imported(path: Path, package: Path) -> list[tuple[tuple[str, ...], int]]:
    """(module path inside the package, line) for every import of the package in one file."""
    here = path.relative_to(package).with_suffix("").parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - node.level]
            if node.module:
                found.append(((*base, *node.module.split(".")), node.lineno))
            else:  # from . import render: the names are modules
                found += [((*base, alias.name), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assistant."):
            found.append((tuple(node.module.split(".")[1:]), node.lineno))
        elif isinstance(node, ast.Import):
            found += [
                (tuple(a.name.split(".")[1:]), node.lineno) for a in node.names if a.name.startswith("assistant.")
            ]
    return found


def upward_imports(package: Path = PACKAGE) -> list[str]:
    """Every import of a later stage, as "file:line imports module"; also every module outside a known stage."""
    arrows = []
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package)
        parts = name.with_suffix("").parts
        if parts[0] not in RANKS:
            arrows.append(f"{name}: not in a known stage; add it to RANKS")
            continue
        for target, line in _imported(path, package):
            if RANKS.get(target[0], 0) > RANKS[parts[0]]:
                arrows.append(f"{name}:{line} imports assistant.{'.'.join(target)}")
    return arrows


def test_no_module_imports_from_a_later_stage():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The walk itself works: a text module importing from answers is reported, the other way round is not."""
    package = tmp_path / "assistant"
    (package / "text").mkdir(parents=True)
    (package / "answers").mkdir()
    (package / "text" / "bad.py").write_text("from ..answers.answering import answer_question\n")
    (package / "text" / "also_bad.py").write_text("from assistant.web import ui\n")
    (package / "answers" / "good.py").write_text(
        "from ..text.bad import x\nfrom ..errors import E\nfrom . import good\n"
    )
    (package / "errors.py").write_text("")
    assert upward_imports(package) == [
        "text/also_bad.py:1 imports assistant.web",
        "text/bad.py:1 imports assistant.answers.answering",
    ]
