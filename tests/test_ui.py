"""The web app's handlers over a real index (hashing embedder): answers, refusals, errors, follow-ups, safety."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

import pytest

from assistant.errors import QuestionError
from assistant.results import Hit
from assistant.web import api, corpus_tab, retrieval_tab, scope
from assistant.web.chat import ChatState, respond
from assistant.web.service import Service

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


ROUNDUP = "hubei-daily-cadres-roundup.txt"  # its first article reports the airport's 111 routes


def _final(service: Service, question: str, state: ChatState | None = None, k: int = 5, sources=None, articles=None):
    steps = list(respond(service.require, question, state or ChatState(), k, sources, articles=articles))
    return steps, steps[-1]


def _article(service: Service, label_start: str) -> str:
    """The article picker's value for the choice whose label starts so (as the user sees it)."""
    (value,) = [value for label, value in scope.article_choices(service, []) if label.startswith(label_start)]
    return value


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


def test_article_filter_keeps_answers_and_sources_inside_the_chosen_article(service):
    sources, articles = scope.search_scope([], _article(service, f"{ROUNDUP} 第1篇"))
    assert (sources, articles) == (None, [(ROUNDUP, 0)])  # the page counts from 1, the API from 0
    _, (messages, state, panel, _) = _final(service, AIRPORT, sources=sources, articles=articles)
    assert "111条" in messages[-1]["content"] and "只在" in messages[-1]["content"]
    assert f"{ROUNDUP} · 第1篇" in panel
    assert {(s.source, s.article) for s in state.turns[-1].view.sources} == {(ROUNDUP, 0)}

    _, articles = scope.search_scope([ROUNDUP], _article(service, f"{ROUNDUP} 第2篇"))
    _, (messages, state, _, _) = _final(service, AIRPORT, articles=articles)
    assert "111条" not in messages[-1]["content"], "the airport is not in the second article"
    assert {(s.source, s.article) for s in state.turns[-1].view.sources} <= {(ROUNDUP, 1)}


def test_retrieval_view_filters_by_file_and_by_article(service):
    _, everywhere = retrieval_tab.retrieval_view(service, AIRPORT, 10)
    assert len({row[7] for row in everywhere}) > 1
    _, in_file = retrieval_tab.retrieval_view(service, AIRPORT, 10, "hybrid", ["chibi-cadre-year.txt"], "")
    assert in_file and {row[7] for row in in_file} == {"chibi-cadre-year.txt"}
    _, in_article = retrieval_tab.retrieval_view(
        service, AIRPORT, 10, "hybrid", [], _article(service, f"{ROUNDUP} 第3篇")
    )
    assert in_article and {(row[7], row[8]) for row in in_article} == {(ROUNDUP, "3")}
    assert everywhere[0][7:9] == [ROUNDUP, "1"], "unfiltered, the airport article ranks first"
    message, rows = retrieval_tab.retrieval_view(service, "", 10, "hybrid", [ROUNDUP], "")
    assert "请输入问题" in message and rows == []


def test_article_choices_follow_the_chosen_files_and_number_like_the_corpus_tab(service):
    everything = scope.article_choices(service, [])
    assert everything[0] == scope.ANY_ARTICLE and len(everything) == len(corpus_tab.article_rows(service)) + 1
    listed = [f"{source} 第{number}篇：{title}" for source, number, title, *_ in corpus_tab.article_rows(service)]
    assert [label for label, _ in everything[1:]] == listed
    chibi = scope.article_choices(service, ["chibi-cadre-year.txt"])
    assert [label for label, _ in chibi[1:]] == [t for t in listed if t.startswith("chibi-cadre-year.txt ")]


def test_retrieval_rows_show_every_score_and_rank_and_merged_passages():
    hit = Hit("正文", 0.0331, "a.txt", "标题", "p1", 0, 2, keyword_score=7.5, keyword_rank=1, vector_rank=None)
    row = ["1", "0.0331", "7.5000", "1", "—", "—", "标题", "a.txt", "1", "", "p1", "正文"]
    assert retrieval_tab.hit_rows([hit]) == [row]
    merged = Hit("正文", 0.5, "a.txt", "标题", "p2", 0, 9, article=2, passage_ids=["p1", "p2", "p3"])
    assert retrieval_tab.hit_rows([merged])[0][8:11] == ["3", "", "p1 … p3（3 段）"]


@pytest.mark.parametrize("articles", [[["a.txt"]], [["a.txt", "1"]], [["a.txt", -1]], ["a.txt"], [[1, 0]]])
def test_malformed_article_filters_from_api_clients_get_a_message(articles):
    with pytest.raises(QuestionError, match="articles"):
        api.checked_articles(articles)


def test_api_article_pairs_become_tuples():
    assert api.checked_articles([["a.txt", 0], ("b.txt", 2)]) == [("a.txt", 0), ("b.txt", 2)]
    assert api.checked_articles(None) is None and api.checked_articles([]) is None


def test_corpus_views_list_articles_and_status(service):
    status = corpus_tab.status_markdown(service)
    assert "最新" in status and "test-hashing-256" in status
    rows = corpus_tab.article_rows(service)
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
    assert "索引不可用" in corpus_tab.status_markdown(broken)
    assert corpus_tab.article_rows(broken) == [] and broken.examples() == []


def test_rebuild_refreshes_the_file_and_article_pickers(tmp_path, seed_corpus):
    from conftest import HOSTILE_ARTICLE, HashingEmbedder

    service = Service.start(seed_corpus, tmp_path / "index", embedder=HashingEmbedder())
    chosen = scope.article_value("chibi-cadre-year.txt", 1)
    (seed_corpus / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    service.rebuild()
    files, article = scope.scope_updates(service, ["chibi-cadre-year.txt", ROUNDUP], chosen)
    assert "hostile.txt" in files["choices"] and files["value"] == ["chibi-cadre-year.txt", ROUNDUP]
    assert article["value"] == chosen

    (seed_corpus / "chibi-cadre-year.txt").unlink()
    service.rebuild()
    files, article = scope.scope_updates(service, ["chibi-cadre-year.txt", ROUNDUP], chosen)
    assert "chibi-cadre-year.txt" not in files["choices"] and files["value"] == [ROUNDUP]
    assert article["value"] == "" and all(v.endswith(ROUNDUP) for _, v in article["choices"][1:])


def test_rebuild_picks_up_a_new_file_and_a_missing_index_recovers(tmp_path, seed_corpus):
    from conftest import HOSTILE_ARTICLE, HashingEmbedder

    broken = Service.start(seed_corpus, tmp_path / "index", embedder=HashingEmbedder(), build=False)
    assert broken.problem
    assert "files" in broken.rebuild() and not broken.problem
    (seed_corpus / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    assert "过期" in corpus_tab.status_markdown(broken)
    broken.rebuild()
    assert "hostile.txt" in {r[0] for r in corpus_tab.article_rows(broken)}
    assert "最新" in corpus_tab.status_markdown(broken)
