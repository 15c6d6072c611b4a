"""The source panel's HTML: escaped corpus text, highlighted cited sentence, anchors for [n] clicks."""

from html.parser import HTMLParser

from assistant.text.documents import LOST_CHARS, MOJIBAKE
from assistant.web.render import (
    RelatedView,
    SourceView,
    TurnView,
    chat_text,
    highlight,
    source_anchor,
    source_card,
    sources_panel,
)

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every element, to prove no corpus markup became an element."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _elements(markup: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(markup)
    return parser.elements


def _view(**changes) -> SourceView:
    fields = {
        "n": 1,
        "title": "锻造高质量发展“硬核”力量",
        "source": "chibi-cadre-year.txt",
        "text": "在这样一支队伍的拼搏下。预计全年GDP622亿元，同比增长7.5%。",
        "sentence": "预计全年GDP622亿元，同比增长7.5%。",
    }
    return SourceView(**{**fields, **changes})


def test_cited_sentence_is_marked_inside_its_passage():
    markup = highlight("第一句。预计全年GDP622亿元。第三句。", "预计全年GDP622亿元。")
    assert markup == '第一句。<mark class="cited">预计全年GDP622亿元。</mark>第三句。'


def test_sentence_not_in_passage_marks_nothing():
    assert "<mark" not in highlight("第一句。", "别处的句子。")
    assert "<mark" not in highlight("第一句。", "")


def test_card_shows_headline_file_date_context_and_anchor():
    card = source_card(3, _view(date="2025-01-09", before="前文" * 100, after="后文。"))
    assert f'id="{source_anchor(3, 1)}"' in card
    assert "锻造高质量发展“硬核”力量" in card
    assert "chibi-cadre-year.txt · 2025-01-09" in card
    assert '<mark class="cited">预计全年GDP622亿元，同比增长7.5%。</mark>' in card
    assert "后文。" in card
    assert "…前文" in card and "前文" * 61 not in card  # long context is trimmed to its nearest part


def test_card_names_the_pdf_page_or_pages():
    assert "news.pdf · 第2页 · 第3篇" in source_card(0, _view(source="news.pdf", pages=(2,), article=2))
    assert "news.pdf · 第2–3页" in source_card(0, _view(source="news.pdf", pages=(2, 3)))
    assert "页" not in source_card(0, _view())


def test_damage_flags_are_named_in_chinese():
    card = source_card(0, _view(flags=(LOST_CHARS, MOJIBAKE)))
    assert "原文有字符丢失" in card and "原文疑似乱码" in card


def test_hostile_corpus_text_stays_text_everywhere():
    view = _view(
        title=HOSTILE,
        source=HOSTILE + ".txt",
        text="正文" + HOSTILE + "。",
        sentence=HOSTILE,
        date=HOSTILE,
        before=HOSTILE,
        after=HOSTILE,
        also_in=(HOSTILE,),
        flags=(HOSTILE,),
    )
    panel = sources_panel([TurnView(0, HOSTILE, [view]), TurnView(1, HOSTILE, related=[RelatedView(HOSTILE, HOSTILE)])])
    tags = {tag for tag, _ in _elements(panel)}
    assert "script" not in tags and "img" not in tags
    assert not any(name.startswith("on") for _, attrs in _elements(panel) for name in attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel


def test_chat_text_escapes_markup_but_keeps_citation_markers():
    text = chat_text(f"答案{HOSTILE}[1][2]")
    assert _elements(text) == []
    assert text.endswith("[1][2]")


def test_panel_puts_newest_turn_first_and_open():
    panel = sources_panel([TurnView(0, "第一问", [_view()]), TurnView(1, "第二问", [_view(n=2)])])
    assert panel.index('id="turn-1"') < panel.index('id="turn-0"')
    assert '<details class="turn" id="turn-1" open>' in panel
    assert '<details class="turn" id="turn-0">' in panel


def test_unanswered_turn_lists_related_articles_without_citations():
    panel = sources_panel([TurnView(0, "上海市2025年的GDP是多少？", related=[RelatedView("某文章", "a.txt")])])
    assert "没有可引用的原文" in panel and "某文章" in panel
    assert 'class="source"' not in panel


def test_empty_panel_explains_itself():
    assert "提问后" in sources_panel([])
