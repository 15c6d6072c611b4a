"""The web app's handlers over a real index (hashing embedder): answers, refusals, errors, follow-ups, safety."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

import pytest

from assistant import ui
from assistant.chat import ChatState, respond
from assistant.results import Hit
from assistant.ui import Service

AIRPORT = "鄂州花湖国际机场累计开通货运航线多少条？"


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Service:
    from conftest import HOSTILE_ARTICLE, SEED_CORPUS, HashingEmbedder

    root = tmp_path_factory.mktemp("ui")
    shutil.copytree(SEED_CORPUS, root / "corpus")
    (root / "corpus" / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    started = Service.start(root / "corpus", root / "index", embedder=HashingEmbedder())
    assert not started.problem, started.problem
    return started


def _final(service: Service, question: str, state: ChatState | None = None, k: int = 5, sources=None):
    steps = list(respond(service.require, question, state or ChatState(), k, sources))
    return steps, steps[-1]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(markup: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(markup)
    return parser.tags


def test_answer_streams_in_and_cites_the_fact(service):
    steps, (messages, state, panel, box) = _final(service, AIRPORT)
    assert steps[0][0][-1]["content"] == "正在检索…"
    assert len(steps) > 3, "the reply should arrive in several pieces"
    reply = messages[-1]["content"]
    assert "111条" in reply and "[1]" in reply
    assert messages[0] == {"role": "user", "content": AIRPORT}
    assert 'id="src-0-1"' in panel
    assert '<mark class="cited">鄂州花湖国际机场累计开通货运航线111条' in panel
    assert "hubei-daily-cadres-roundup.txt" in panel
    assert box == "" and len(state.turns) == 1


def test_partial_replies_never_split_a_marker(service):
    steps, _ = _final(service, AIRPORT)
    for messages, *_ in steps[1:-1]:
        partial = messages[-1]["content"]
        assert not partial.rstrip().endswith(("[", "[1")), partial


def test_unanswerable_question_says_so_and_cites_nothing(service):
    _, (messages, state, panel, _) = _final(service, "上海市2025年的GDP是多少？")
    reply = messages[-1]["content"]
    assert "没有" in reply and "[1]" not in reply
    assert state.turns[-1].view.sources == []
    assert 'class="source"' not in panel


@pytest.mark.parametrize("question", ["", "   \n  "])
def test_empty_question_gets_a_clear_message(service, question):
    _, (messages, state, _, _) = _final(service, question)
    assert "请输入问题" in messages[-1]["content"]
    assert [m["role"] for m in messages] == ["assistant"]
    assert len(state.turns) == 1


def test_very_long_question_gets_a_clear_message_and_a_short_bubble(service):
    question = "赤壁" * 5000
    _, (messages, _, _, box) = _final(service, question)
    assert "问题太长" in messages[-1]["content"]
    assert "（共 10000 字）" in messages[0]["content"] and len(messages[0]["content"]) < 400
    assert box == question, "the question is kept in the box so nothing typed is lost"


def test_follow_up_is_resolved_against_the_previous_question(service):
    _, (_, state, _, _) = _final(service, AIRPORT)
    _, (messages, state, panel, _) = _final(service, "它累计开通了多少条货运航线？", state)
    assert state.turns[-1].asked == "鄂州花湖国际机场累计开通了多少条货运航线？"
    assert "结合上文" in messages[-1]["content"]
    assert "111条" in messages[-1]["content"]
    assert 'id="src-1-1"' in panel and 'id="src-0-1"' in panel


def test_source_filter_and_passage_count_are_applied(service):
    _, (messages, state, _, _) = _final(service, AIRPORT, sources=["chibi-cadre-year.txt"])
    assert all(s.source == "chibi-cadre-year.txt" for s in state.turns[-1].view.sources)
    _, (messages, _, _, _) = _final(service, AIRPORT, k=99)
    assert "1 到 20" in messages[-1]["content"]


def test_hostile_article_renders_as_text(service):
    _, (messages, state, panel, _) = _final(service, "天门市油菜花节带动旅游收入多少？")
    assert state.turns[-1].view.sources, "the hostile article should be found and cited"
    for markup in (panel, messages[-1]["content"]):
        tags = _tags(markup)
        assert not {tag for tag, _ in tags} & {"script", "img", "svg", "marquee"}, markup
        assert not any(name.startswith("on") for _, attrs in tags for name in attrs), markup
    assert "&lt;svg/onload=alert(1)&gt;" in panel  # the headline, shown as text
    assert "&lt;details open ontoggle=alert(2)&gt;" in messages[-1]["content"]


def test_retrieval_rows_show_every_score_and_rank():
    hit = Hit("正文", 0.0331, "a.txt", "标题", "p1", 0, 2, keyword_score=7.5, keyword_rank=1, vector_rank=None)
    assert ui.hit_rows([hit]) == [["1", "0.0331", "7.5000", "1", "—", "—", "标题", "a.txt", "", "正文"]]


def test_corpus_views_list_articles_and_status(service):
    status = ui.status_markdown(service)
    assert "最新" in status and "test-hashing-256" in status
    rows = ui.article_rows(service)
    assert {r[0] for r in rows} >= {"chibi-cadre-year.txt", "hostile.txt"}
    assert all(int(r[3]) > 0 for r in rows)


def test_examples_are_questions_the_corpus_answers(service):
    examples = service.examples()
    assert examples
    for question in examples:
        assert service.require().ask(question).found, question


def test_missing_index_gives_a_message_everywhere(tmp_path):
    from conftest import HashingEmbedder

    broken = Service.start(tmp_path / "corpus", tmp_path / "index", embedder=HashingEmbedder(), build=False)
    assert "索引不存在" in broken.problem
    _, (messages, *_rest) = _final(broken, AIRPORT)
    assert "索引不存在" in messages[-1]["content"]
    assert "索引不可用" in ui.status_markdown(broken)
    assert ui.article_rows(broken) == [] and broken.examples() == []


def test_rebuild_picks_up_a_new_file_and_a_missing_index_recovers(tmp_path, seed_corpus):
    from conftest import HOSTILE_ARTICLE, HashingEmbedder

    broken = Service.start(seed_corpus, tmp_path / "index", embedder=HashingEmbedder(), build=False)
    assert broken.problem
    assert "files" in broken.rebuild() and not broken.problem
    (seed_corpus / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    assert "过期" in ui.status_markdown(broken)
    broken.rebuild()
    assert "hostile.txt" in {r[0] for r in ui.article_rows(broken)}
    assert "最新" in ui.status_markdown(broken)
