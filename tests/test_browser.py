"""The web app in headless Chromium, started as users start it (`python app.py`), with the real model.

Screenshots go to artifacts/ (gitignored). Needs Debian's `chromium` and a CJK font (fonts-wqy-microhei).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
GDP = "赤壁市预计全年GDP是多少?"
AIRPORT = "鄂州花湖国际机场累计开通货运航线多少条？"
LAST_REPLY = "#chat .message.bot >> nth=-1"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "needs Debian packages: apt-get install -y chromium fonts-wqy-microhei"
        if os.environ.get("CI"):  # `make test` installs them, so in CI a missing browser is a failure
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server["url"])
    opened = context.new_page()
    opened.dialogs = []  # an alert() from corpus markup would land here
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    opened.goto(app_server["url"])
    opened.wait_for_selector("#question textarea", timeout=60_000)
    yield opened
    context.close()


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


# Records every text the new reply shows, in the page itself: polling from the test misses the short-lived ones
# when a busy machine starves the test process.
RECORD_REPLY = """before => {
    window.seenReplies = [];
    const chat = document.querySelector('#chat');
    new MutationObserver(() => {
        const replies = chat.querySelectorAll('.message.bot');
        const text = replies.length > before ? replies[replies.length - 1].innerText : '';
        if (text && window.seenReplies[window.seenReplies.length - 1] !== text) window.seenReplies.push(text);
    }).observe(chat, {subtree: true, childList: true, characterData: true});
}"""


def ask(page, question: str) -> list[str]:
    """Type a question, press Enter and wait until the reply stops changing; returns each text seen on the way."""
    before = page.locator("#chat .message.bot").count()
    page.evaluate(RECORD_REPLY, before)
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    last = ""
    changed = time.monotonic()
    deadline = changed + 60
    while time.monotonic() < deadline:
        replies = page.locator("#chat .message.bot")
        text = replies.last.inner_text() if replies.count() > before else ""
        if text != last:
            last, changed = text, time.monotonic()
        elif text and text != "正在检索…" and time.monotonic() - changed > 0.8:
            return page.evaluate("window.seenReplies")
        time.sleep(0.03)
    raise AssertionError(f"no complete reply to {question!r}; saw {page.evaluate('window.seenReplies')!r}")


def test_answer_streams_in_and_a_citation_click_shows_the_highlighted_fact(page):
    page.locator("#chat .examples button").first.wait_for()  # example questions on the empty screen
    shot(page, "01-empty-chat")
    seen = ask(page, GDP)
    final = seen[-1]
    assert "622亿元" in final
    partial = [t for t in seen[:-1] if t != "正在检索…" and t]
    assert partial and all(len(t) < len(final) for t in partial), f"reply did not stream: {seen!r}"

    page.locator(f"{LAST_REPLY} >> a.cite").first.click()
    focused = page.locator(".source.focused")
    focused.wait_for()
    page.wait_for_timeout(800)  # smooth scrolling
    highlighted = focused.locator("mark.cited")
    assert "622亿元" in highlighted.inner_text()
    assert "chibi-cadre-year.txt" in focused.inner_text()
    assert highlighted.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight }"
    )
    shot(page, "02-answer-citation")


def test_refusal_follow_up_copy_newline_and_clear(page):
    refusal = ask(page, "上海市2025年的GDP是多少?")[-1]
    assert "没有" in refusal
    assert page.locator(f"{LAST_REPLY} >> a.cite").count() == 0

    ask(page, AIRPORT)
    follow_up = ask(page, "它累计开通了多少条货运航线？")[-1]
    assert "结合上文" in follow_up and "111条" in follow_up
    shot(page, "03-follow-up")

    page.locator("#chat .message-buttons-left button[aria-label='Copy message']").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "111条" in copied and "<" not in copied

    replies = page.locator("#chat .message.bot").count()
    page.fill("#question textarea", "第一行")
    page.press("#question textarea", "Shift+Enter")
    page.keyboard.type("第二行")
    assert page.input_value("#question textarea") == "第一行\n第二行"
    page.wait_for_timeout(500)
    assert page.locator("#chat .message.bot").count() == replies, "Shift+Enter must not send"

    page.click("#clear")
    page.locator("#chat .message.bot").first.wait_for(state="detached")
    assert "提问后" in page.inner_text("#sources")


def test_empty_and_overlong_questions_get_messages(page):
    page.press("#question textarea", "Enter")
    page.locator("#chat .message.bot").first.wait_for()
    page.wait_for_function("document.querySelector('#chat .message.bot').innerText.includes('请输入问题')")
    page.fill("#question textarea", "长" * 10_000)
    page.press("#question textarea", "Enter")
    page.wait_for_function("[...document.querySelectorAll('#chat .message.bot')].pop().innerText.includes('问题太长')")


def test_retrieval_test_tab_shows_keyword_vector_and_fused_scores(page):
    page.get_by_role("tab", name="检索测试").click()
    page.fill("#retrieval-query textarea", AIRPORT)
    page.press("#retrieval-query textarea", "Enter")
    page.wait_for_function("document.querySelector('#hits')?.innerText.includes('hubei-daily-cadres-roundup.txt')")
    headers = page.locator("#hits [role=columnheader]").all_inner_texts()
    for name in ("融合分", "关键词分", "关键词名次", "向量分", "向量名次"):
        assert any(name in h for h in headers), headers
    first_row = page.locator("#hits [role=row][data-index='0'] [role=gridcell]").all_inner_texts()
    assert first_row[0].strip() == "1"
    float(first_row[1]), float(first_row[2]), float(first_row[4])  # scores are numbers
    shot(page, "04-retrieval-test", full_page=True)

    page.get_by_label("只用关键词").check()
    page.click("#retrieval-run")
    page.wait_for_function(
        "document.querySelector(\"#hits [role=row][data-index='0'] [data-col='4']\").innerText.trim() === '—'"
    )


def test_retrieval_test_searches_only_the_chosen_article(page):
    page.get_by_role("tab", name="检索测试").click()
    page.click("#retrieval-article input")
    page.keyboard.type("roundup.txt 第2篇")  # the picker selects its label on focus, so this filters
    page.get_by_role("option").filter(has_text="hubei-daily-cadres-roundup.txt 第2篇").click()
    page.fill("#retrieval-query textarea", AIRPORT)
    page.press("#retrieval-query textarea", "Enter")
    page.wait_for_function("document.querySelector('#hits')?.innerText.includes('hubei-daily-cadres-roundup.txt')")
    files = page.locator("#hits [role=row] [data-col='7']").all_inner_texts()
    numbers = page.locator("#hits [role=row] [data-col='8']").all_inner_texts()
    assert files and set(files) == {"hubei-daily-cadres-roundup.txt"} and set(numbers) == {"2"}


def test_corpus_tab_shows_status_articles_and_rebuilds(page):
    page.get_by_role("tab", name="语料库").click()
    # The tab renders its parts as they arrive: wait for each rather than read it at once (flaky under load).
    page.wait_for_function("document.querySelector('#index-status')?.innerText.includes('最新')")
    page.wait_for_function("document.querySelector('#articles')?.innerText.includes('chibi-cadre-year.txt')")
    page.click("#rebuild")
    page.wait_for_function("document.querySelector('#rebuild-outcome')?.innerText.includes('索引已是最新')")
    shot(page, "05-corpus", full_page=True)


def test_markup_in_an_article_renders_as_inert_text(page):
    reply = ask(page, "天门市油菜花节带动旅游收入多少？")[-1]
    assert "2.1亿元" in reply
    page.wait_for_timeout(500)
    assert page.dialogs == []
    for selector in ("#chat svg[onload]", "#sources svg", "details[ontoggle]", "marquee", "#sources img"):
        assert page.locator(selector).count() == 0, selector
    assert "<svg/onload=alert(1)>" in page.inner_text("#sources")
    assert "<details open ontoggle=alert(2)>" in reply
    shot(page, "06-hostile-markup")


def test_phone_width_stacks_chat_over_sources(page):
    page.set_viewport_size({"width": 390, "height": 844})
    ask(page, AIRPORT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392, "no sideways scrolling"
    chat, sources = page.locator("#chat").bounding_box(), page.locator("#sources").bounding_box()
    assert sources["y"] > chat["y"] + chat["height"] - 1
    page.locator(f"{LAST_REPLY} >> a.cite").first.click()
    page.locator(".source.focused").wait_for()
    shot(page, "07-phone", full_page=True)


def test_settings_show_the_model_endpoint_only_for_an_endpoint_and_the_reader_switch(page):
    endpoint = page.locator("#endpoint >> visible=true").first  # Gradio nests two elements with this id
    page.click("#settings button, #settings .label-wrap")
    assert endpoint.count() == 0
    page.get_by_label("语言模型生成（OpenAI 兼容接口）").check()
    endpoint.wait_for()
    assert page.get_by_label("接口地址").is_visible() and page.get_by_label("模型名").is_visible()
    shot(page, "08-settings")
    page.get_by_label("本地模型生成（离线，较慢）").check()  # the bundled model needs no endpoint
    endpoint.wait_for(state="detached")
    page.get_by_label("摘录原文").check()
    assert endpoint.count() == 0
    assert page.get_by_label("用阅读模型核对摘录的回答（更准，每问多几秒；关闭则更快）").is_checked()


def test_an_uploaded_pdf_is_cited_with_its_page_until_it_is_deleted(page, app_server, tmp_path):
    from newsfiles import PDF_ANSWER, PDF_QUESTION, encrypted_pdf, news_pdf

    files = [str(news_pdf(tmp_path / "news.pdf")), str(encrypted_pdf(tmp_path / "locked.pdf"))]
    page.get_by_role("tab", name="语料库").click()
    page.locator("#uploads input[type=file]").set_input_files(files)
    page.wait_for_function("document.querySelector('#uploads')?.innerText.includes('locked')")
    page.click("#add-files")
    page.wait_for_function("document.querySelector('#rebuild-outcome')?.innerText.includes('已添加')", timeout=300_000)
    outcome = page.inner_text("#rebuild-outcome")
    assert "已添加：news.pdf" in outcome and "locked.pdf" in outcome and "加密" in outcome
    page.wait_for_function("document.querySelector('#articles')?.innerText.includes('崇阳县雨山村建成光伏茶园')")
    shot(page, "09-upload", full_page=True)

    page.get_by_role("tab", name="对话").click()
    assert PDF_ANSWER in ask(page, PDF_QUESTION)[-1]
    page.locator(f"{LAST_REPLY} >> a.cite").first.click()
    focused = page.locator(".source.focused")
    focused.wait_for()
    assert "news.pdf · 第2页" in focused.inner_text()
    shot(page, "10-pdf-citation")

    page.get_by_role("tab", name="语料库").click()
    page.click("#doomed input")
    page.get_by_role("option", name="news.pdf").click()
    page.wait_for_function("document.querySelector('#doomed .token')?.innerText.includes('news.pdf')")
    page.click("#delete-files")
    page.wait_for_function("document.querySelector('#rebuild-outcome')?.innerText.includes('已删除')", timeout=300_000)
    assert not (app_server["root"] / "corpus" / "news.pdf").exists()
    page.get_by_role("tab", name="对话").click()
    assert PDF_ANSWER not in ask(page, PDF_QUESTION)[-1]
