"""HTML reading: the hand-written reader (every block of the page) against trafilatura (the article only).

    python bench/webpage_bench.py

Pages are made from the seed articles (corpus/*.txt), each in three wrappings:
  site     a saved news page: top bar, navigation, ad banner, breadcrumb, the article with date and author, a
           sidebar with an ad and a "hot" list of other seed headlines, related links, footer (semantic tags and
           the class names sites use)
  plain    the same chrome with neutral class names and only <div>/<ul>: what page-chrome detection cannot see
  export   the article alone as HTML (h1, byline, paragraphs, h2 section headings), as a CMS export gives it
plus tests/fixtures/news-page.html. For each reader: body recall (share of the article's sentences found in the
indexed articles), chrome leak (share of the chrome's texts, other than words the article uses itself, that
reached an indexed article), section headings kept, headline right,
and the number of articles. `chosen` is what the corpus reader does (webpage.page_split).
"""

from __future__ import annotations

import html
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.text.articles import split_lines  # noqa: E402
from assistant.text.normalize import clean_text  # noqa: E402
from assistant.text.reading import read_articles  # noqa: E402
from assistant.text.webpage import article_lines, html_lines, page_split  # noqa: E402

CHROME = ["首页", "登录", "注册", "下载客户端", "要闻", "本地", "经济", "社会", "文化", "视频",
          "新款电动车首付仅需999元", "当前位置", "责任编辑：王芳", "分享到", "温泉度假酒店双十二特价房",
          "热点排行", "相关新闻", "关于我们", "网站地图", "鄂ICP备12345678号"]  # fmt: skip


def site_page(title: str, byline: str, paragraphs: list[str], others: list[str], plain: bool) -> str:
    def tag(name: str, cls: str, inner: str) -> str:
        if plain:
            name, cls = ("ul" if name == "ul" else "div"), f"x{abs(hash(cls)) % 97}"
        return f'<{name} class="{cls}">{inner}</{name}>'

    links = "".join(f'<li><a href="/{i}">{html.escape(t)}</a></li>' for i, t in enumerate(others[:3]))
    nav = "".join(f"<li><a href='/{w}'>{w}</a></li>" for w in ("要闻", "本地", "经济", "社会", "文化", "视频"))
    body = "".join(
        f"<h2>{html.escape(p[1:])}</h2>" if p.startswith("#") else f"<p>{html.escape(p)}</p>" for p in paragraphs
    )
    return (
        f"<html><head><title>{html.escape(title)}_咸宁新闻网</title></head><body>"
        + tag("div", "topbar", "<a href='/'>首页</a> | <a>登录</a> | <a>注册</a> | <a>下载客户端</a>")
        + tag("nav", "nav", f"<ul>{nav}</ul>")
        + tag("div", "ad banner", "限时特惠！新款电动车首付仅需999元，立即抢购")
        + tag("div", "breadcrumb", "当前位置：首页 &gt; 本地新闻 &gt; 正文")
        + tag(
            "article",
            "article",
            f"<h1>{html.escape(title)}</h1><div class='info'>2026-11-30 09:15 作者：{html.escape(byline)}</div>"
            f"<div class='content'>{body}</div><div class='editor'>责任编辑：王芳</div>"
            + tag("div", "share", "分享到：微信 微博 QQ空间"),
        )
        + tag(
            "aside",
            "sidebar",
            tag("div", "ad", "【广告】温泉度假酒店双十二特价房399元起") + f"<h3>热点排行</h3><ul>{links}</ul>",
        )
        + tag("div", "related", f"<h3>相关新闻</h3><ul>{links}</ul>")
        + tag("footer", "footer", "<p>关于我们 | 网站地图</p><p>版权所有 © 2026 咸宁新闻网 鄂ICP备12345678号</p>")
        + "</body></html>"
    )


def export_page(title: str, byline: str, paragraphs: list[str]) -> str:
    body = "".join(
        f"<h2>{html.escape(p[1:])}</h2>" if p.startswith("#") else f"<p>{html.escape(p)}</p>" for p in paragraphs
    )
    return f"<html><body><h1>{html.escape(title)}</h1><p>{html.escape(byline)}</p>{body}</body></html>"


def sentences(paragraphs: list[str]) -> list[str]:
    """The body sentences of an article (section headings, marked "#", aside)."""
    found = []
    for paragraph in paragraphs:
        if not paragraph.startswith("#"):
            found += [s for s in re.split(r"(?<=[。！？!?])", clean_text(paragraph)) if len(s.strip()) >= 6]
    return [s.strip() for s in found]


def readers(markup: str):
    yield "hand", split_lines(html_lines(markup), "page.html").articles
    lines, _ = article_lines(markup)
    yield "trafilatura", split_lines(lines, "page.html").articles if lines else []
    yield "chosen", page_split(markup, "page.html").articles


def main() -> None:
    seed = [a for path in sorted((REPO / "corpus").glob("*.txt")) for a in read_articles(path, path.name)]
    headlines = [a.title for a in seed]
    cases = []
    for article in seed:
        paragraphs = [("#" + p if len(p) <= 20 and not p.endswith("。") else p) for p in article.text.split("\n")]
        others = [t for t in headlines if t != article.title]
        byline = article.byline or "本报记者"
        gold = (article.title, sentences(paragraphs), [clean_text(p[1:]) for p in paragraphs if p.startswith("#")])
        cases.append(("site", site_page(article.title, byline, paragraphs, others, plain=False), gold, others))
        cases.append(("plain", site_page(article.title, byline, paragraphs, others, plain=True), gold, others))
        cases.append(("export", export_page(article.title, byline, paragraphs), gold, []))
    fixture = (REPO / "tests/fixtures/news-page.html").read_text(encoding="utf-8")
    fixture_body = re.findall(r"<p>([^<]{20,})</p>", fixture.split('id="content">')[1].split("</div>")[0])
    gold = ("咸安区桂花镇建成智慧农业示范基地", sentences(fixture_body), ["带动周边农户增收"])
    cases.append(("fixture", fixture, gold, []))

    results: dict[tuple[str, str], list[tuple[float, float, float, bool, int]]] = defaultdict(list)
    for wrapping, markup, (title, gold, headings), others in cases:
        # Words of the chrome that the article itself uses ("经济", "社会") are no leak.
        chrome = [c for c in CHROME + others[:3] if not any(c in s for s in [title, *gold, *headings])]
        for reader, articles in readers(markup):
            indexed = "\n".join(f"{a.title}\n{a.byline}\n{a.text}" for a in articles)
            recall = sum(s in indexed for s in gold) / max(len(gold), 1)
            kept = sum(h in indexed.split("\n") for h in headings) / len(headings) if headings else 1.0
            leak = sum(c in indexed for c in chrome) / len(chrome) if wrapping != "export" else 0.0
            results[(wrapping, reader)].append(
                (recall, leak, kept, bool(articles) and articles[0].title == title, len(articles))
            )
    print(f"{len(seed)} seed articles; medians (means) over the pages of each wrapping")
    print("wrapping reader       pages  body recall    chrome leak  headings kept  headline ok  articles")
    for (wrapping, reader), rows in results.items():
        recall, leak, kept, titled, count = zip(*rows, strict=True)
        print(
            f"{wrapping:<8} {reader:<12} {len(rows):>5} {_stat(recall)} {_stat(leak)} {_stat(kept)}"
            f" {sum(titled) / len(rows):>12.2f} {statistics.median(count):>9.0f}"
        )


def _stat(values: tuple[float, ...]) -> str:
    return f"{statistics.median(values):>6.2f} ({statistics.mean(values):.2f})"


if __name__ == "__main__":
    main()
