"""Adding and removing corpus files (CLI `add` / `remove`, web uploads): bad input is refused by name, nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SEED_CORPUS
from newsfiles import PDF_ANSWER, PDF_QUESTION, encrypted_pdf, news_docx, news_pdf

from assistant.cli import main
from assistant.text import intake
from assistant.text.intake import MAX_FILE_BYTES, add_file, remove_file, safe_name

SEED_FILE = "chibi-cadre-year.txt"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_CORPUS / SEED_FILE, folder)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_pdf_word_and_page_are_added_under_their_names(corpus: Path, tmp_path: Path) -> None:
    outside = tmp_path / "in"
    outside.mkdir()
    page = outside / "桂花镇 智慧农业.html"
    shutil.copy(Path(__file__).parent / "fixtures" / "news-page.html", page)
    for path in (news_pdf(outside / "news.pdf"), news_docx(outside / "news.docx"), page):
        outcome = add_file(corpus, path)
        assert (outcome.ok, outcome.source) == (True, path.name)
        assert (corpus / path.name).read_bytes() == path.read_bytes()
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_different_file_under_a_taken_name_gets_a_new_name(corpus: Path, tmp_path: Path) -> None:
    before = (corpus / SEED_FILE).read_bytes()
    other = tmp_path / SEED_FILE
    other.write_text("另一篇文章的正文。", encoding="utf-8")
    assert add_file(corpus, other).source == "chibi-cadre-year-2.txt"
    assert (corpus / SEED_FILE).read_bytes() == before
    assert add_file(corpus, SEED_CORPUS / SEED_FILE).source == SEED_FILE  # the same bytes: nothing new


def test_a_200_mb_file_is_refused_by_its_size_unread(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: 200 MB on paper, nothing written
        handle.truncate(200 * 2**20)
    monkeypatch.setattr(intake, "read_articles", lambda *_: pytest.fail("a file over the limit was read"))
    before = _snapshot(corpus)
    outcome = add_file(corpus, big)
    assert not outcome.ok
    assert "文件太大" in outcome.problem and "big.txt" in outcome.problem and "200 MB" in outcome.problem
    assert big.stat().st_size > MAX_FILE_BYTES
    assert _snapshot(corpus) == before


def test_a_name_with_a_path_is_refused_and_nothing_is_written_anywhere(corpus: Path, tmp_path: Path) -> None:
    upload = tmp_path / "upload.txt"
    upload.write_text("root:x:0:0:root:/root:/bin/bash。", encoding="utf-8")
    before = _snapshot(tmp_path)
    for name in ("../../etc/passwd.txt", "..\\..\\passwd.txt", "..", "/etc/passwd.txt"):
        outcome = add_file(corpus, upload, name)
        assert not outcome.ok and "路径" in outcome.problem and name in outcome.problem
    assert _snapshot(tmp_path) == before


def test_unsafe_characters_are_replaced_and_hidden_names_made_visible() -> None:
    assert safe_name("a<b>:c?.pdf") == "a_b__c_.pdf"
    assert safe_name(".hidden.txt") == "hidden.txt"
    assert safe_name("新闻 稿.docx") == "新闻 稿.docx"
    assert safe_name("../x.txt") == ""


@pytest.mark.parametrize("kind", ["encrypted", "corrupt", "unsupported", "empty"])
def test_unreadable_files_are_refused_with_a_message_naming_them(corpus: Path, tmp_path: Path, kind: str) -> None:
    if kind == "encrypted":
        path, words = encrypted_pdf(tmp_path / "locked.pdf"), ["locked.pdf", "加密"]
    elif kind == "corrupt":
        path, words = tmp_path / "broken.docx", ["broken.docx", "损坏"]
        path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    elif kind == "unsupported":
        path, words = tmp_path / "tool.exe", ["tool.exe", "不支持"]
        path.write_bytes(b"MZ")
    else:
        path, words = tmp_path / "blank.txt", ["blank.txt", "没有可读的文章"]
        path.write_text("\n\n", encoding="utf-8")
    before = _snapshot(corpus)
    outcome = add_file(corpus, path)
    assert not outcome.ok
    assert all(word in outcome.problem for word in words)
    assert _snapshot(corpus) == before


def test_remove_deletes_only_a_corpus_file(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("不在语料库里。", encoding="utf-8")
    assert not remove_file(corpus, "../keep.txt").ok
    assert not remove_file(corpus, "missing.txt").ok
    assert (tmp_path / "keep.txt").exists()
    assert remove_file(corpus, SEED_FILE).ok
    assert not (corpus / SEED_FILE).exists()


def test_cli_add_reports_each_file_and_keeps_going(corpus: Path, tmp_path: Path, capsys) -> None:
    pdf = news_pdf(tmp_path / "news.pdf")
    locked = encrypted_pdf(tmp_path / "locked.pdf")
    code = main(["add", str(locked), str(pdf), "--corpus", str(corpus), "--no-build"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "added news.pdf" in out
    assert "locked.pdf" in err and "加密" in err and "Traceback" not in err
    assert sorted(p.name for p in corpus.iterdir()) == [SEED_FILE, "news.pdf"]
    assert main(["remove", str(corpus / "news.pdf"), "--corpus", str(corpus), "--no-build"]) == 0
    assert main(["remove", "news.pdf", "--corpus", str(corpus), "--no-build"]) == 1
    assert sorted(p.name for p in corpus.iterdir()) == [SEED_FILE]


@pytest.mark.slow
def test_cli_add_then_remove_updates_the_answers(corpus: Path, tmp_path: Path, capsys, real_embedder) -> None:
    index = str(tmp_path / "index")
    assert main(["build", "--corpus", str(corpus), "--index", index]) == 0
    assert main(["add", str(news_pdf(tmp_path / "news.pdf")), "--corpus", str(corpus), "--index", index]) == 0
    capsys.readouterr()
    assert main(["ask", PDF_QUESTION, "--index", index]) == 0
    out = capsys.readouterr().out
    assert PDF_ANSWER in out and "(news.pdf 第2页" in out
    assert main(["remove", "news.pdf", "--corpus", str(corpus), "--index", index]) == 0
    capsys.readouterr()
    assert main(["ask", PDF_QUESTION, "--index", index]) == 0
    assert "news.pdf" not in capsys.readouterr().out


def test_a_batch_of_bad_uploads_loses_nothing_and_the_good_file_goes_in(tmp_path: Path, seed_corpus: Path) -> None:
    from conftest import HashingEmbedder
    from newsfiles import scanned_pdf

    from assistant.web import corpus_tab
    from assistant.web.service import Service

    service = Service.start(seed_corpus, tmp_path / "index", embedder=HashingEmbedder())
    corpus_before = _snapshot(seed_corpus)
    articles_before = {(a.source, a.number, a.title) for a in service.assistant.articles()}
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    with (uploads / "big.txt").open("wb") as handle:
        handle.truncate(200 * 2**20)
    (uploads / "broken.docx").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    bad = [uploads / "big.txt", encrypted_pdf(uploads / "locked.pdf"), uploads / "broken.docx"]
    bad.append(scanned_pdf(uploads / "scan.pdf"))
    lines = corpus_tab.add_uploads(service, [*bad, news_pdf(uploads / "news.pdf")])

    assert lines[-2] == "✓ 已添加：news.pdf" and lines[-1].startswith("✓ ")
    for path, line in zip(bad, lines, strict=False):
        assert line.startswith("⚠ ") and path.name in line
    assert _snapshot(seed_corpus) == {**corpus_before, "news.pdf": (uploads / "news.pdf").read_bytes()}
    articles = {(a.source, a.number, a.title) for a in service.assistant.articles()}
    assert articles_before < articles and len(articles - articles_before) == 3
    [hit] = service.assistant.search(PDF_QUESTION, k=1)
    assert (hit.source, hit.pages) == ("news.pdf", [2])

    lines = corpus_tab.delete_files(service, ["news.pdf", "../index/manifest.json"])
    assert lines[0] == "✓ 已删除：news.pdf" and lines[1].startswith("⚠ ") and "manifest.json" in lines[1]
    assert (tmp_path / "index" / "manifest.json").exists()
    assert {(a.source, a.number, a.title) for a in service.assistant.articles()} == articles_before
    assert all(h.source != "news.pdf" for h in service.assistant.search(PDF_QUESTION, k=5))


def test_deleting_every_file_keeps_the_old_index_answering(tmp_path: Path, corpus: Path) -> None:
    from conftest import HashingEmbedder

    from assistant.web import corpus_tab
    from assistant.web.service import Service

    service = Service.start(corpus, tmp_path / "index", embedder=HashingEmbedder())
    lines = corpus_tab.delete_files(service, [SEED_FILE])
    assert lines[0] == f"✓ 已删除：{SEED_FILE}" and lines[1].startswith("⚠ ") and "没有可读的文章" in lines[1]
    assert service.assistant.search("赤壁市预计全年GDP是多少", k=1)[0].source == SEED_FILE
