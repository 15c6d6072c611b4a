"""Extractive answers on hand-made hits, as given with the reader off: verbatim citations, refusals."""

from __future__ import annotations

from assistant.answers.answering import answer_from, answer_question, sentence_candidates, sentence_of
from assistant.answers.evidence import evidence_terms, read_question, whole_match
from assistant.results import Hit


def _hit(text: str, title: str = "赤壁市干部素质提升年", source: str = "a.txt") -> Hit:
    return Hit(text=text, score=1.0, source=source, title=title, passage_id="p", start=0, end=len(text))


def _flat_idf(token: str) -> float:
    return 1.0


GDP = "在这样一支队伍的拼搏奋进下,赤壁市协同共进。预计全年GDP622亿元,同比增长7.5%,总量和增速领跑咸宁;群众满意。"


def test_answer_quotes_the_sentence_holding_the_question_words_and_gives_no_bold_reply_of_its_own():
    answer = answer_question("赤壁市预计全年GDP是多少?", [_hit(GDP)], _flat_idf)
    assert answer.found
    assert answer.direct == "" and "**" not in answer.text  # a short reply is the reader's copy (test_reader.py)
    [citation] = answer.citations
    assert citation.n == 1 and citation.sentence in citation.hit.text
    assert "GDP622亿元" in citation.sentence
    assert f"{citation.sentence} [1]" in answer.text


def test_question_about_another_place_is_refused():
    answer = answer_question("上海市2025年的GDP是多少?", [_hit(GDP)], _flat_idf)
    assert not answer.found
    assert answer.citations == [] and "[1]" not in answer.text
    assert answer.related and answer.related[0].source == "a.txt"


def test_question_about_another_year_is_refused():
    assert not answer_question("赤壁市2023年的GDP是多少?", [_hit(GDP)], _flat_idf).found


def test_question_without_evidence_is_refused():
    assert not answer_question("鄂州花湖机场开通了多少条客运航线?", [_hit(GDP)], _flat_idf).found


def test_a_second_sentence_comes_from_another_passage_only_when_it_adds_a_fact():
    first = _hit("黄石新港园区选派10名干部担任项目专员。干部进驻49个重点项目现场。", source="a.txt")
    second = _hit("新港園區選派10名干部擔任項目專員。", source="b.txt")
    answer = answer_question("新港园区选派多少名干部担任项目专员?", [first, second], _flat_idf)
    assert answer.found
    assert len({c.hit.source for c in answer.citations}) == len(answer.citations)
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_a_traditional_question_gets_the_quote_as_written_and_its_refusal_in_traditional_script():
    answer = answer_question("赤壁市預計全年GDP是多少?", [_hit(GDP)], _flat_idf)
    assert "GDP622亿元" in answer.citations[0].sentence  # the quote stays as the article wrote it
    refusal = answer_question("臺灣2025年的經濟總量是多少?", [_hit(GDP)], _flat_idf)
    assert not refusal.found
    assert refusal.text.startswith("現有文章中沒有")


def test_a_question_about_the_article_topic_alone_is_answered_from_the_sentence_that_answers_it():
    hit = _hit("榅桲是蔷薇科的植物。果实秋季成熟,梨形或苹果形,成熟后金黄色,味甘酸。榅桲性耐寒。", title="榅桲")
    answer = answer_question("榅桲的果实有什么特点?", [hit], _flat_idf)
    assert answer.found
    assert answer.citations[0].sentence.startswith("果实秋季成熟")


def test_a_runner_up_sentence_of_the_same_passage_is_quoted_with_its_neighbour_under_one_citation():
    hit = _hit("榅桲是蔷薇科的植物。榅桲果实梨形,成熟后金黄色。果实味甘酸,可以生食。榅桲性耐寒。", title="榅桲")
    answer = answer_question("榅桲的果实有什么特点?", [hit], _flat_idf)
    assert [c.n for c in answer.citations] == [1]
    assert answer.citations[0].sentence == "榅桲果实梨形,成熟后金黄色。果实味甘酸,可以生食。"
    assert answer.text.count("[1]") == 1


def test_a_word_jieba_joins_in_the_question_still_finds_the_sentence_that_writes_it_apart():
    hit = _hit("三国时蜀汉官员。王连,字文仪,南阳人。后任司盐校尉。", title="三国人物")

    def idf(token: str) -> float:  # the name is the rare, telling word
        return 5.0 if "连" in token else 1.0

    answer = answer_question("王连字什么?", [hit], idf)  # jieba: 王连字, one word
    assert answer.found and answer.citations[0].sentence == "王连,字文仪,南阳人。"


def test_a_number_of_the_question_must_be_in_the_passage_whole():
    hit = _hit("新滩镇承接24家优质汽车零部件供应商,2018年起打造专业供应园区。", title="车谷大走廊")
    assert not answer_question("新滩镇18家供应商的园区何时建成?", [hit], _flat_idf).found
    assert answer_question("新滩镇24家供应商的园区何时开始打造?", [hit], _flat_idf).found


def test_a_number_is_found_only_where_it_stands_whole():
    assert whole_match("18", "第18届") and whole_match("18", "No.18号") and whole_match("7.5", "增长7.5%")
    assert not any(whole_match("18", t) for t in ("2018年", "180人", "1.8倍", "18.5亿"))
    assert whole_match("2", "第二代产品1992年上市") is None
    assert whole_match("湖州市", "浙江省湖州市吴兴区").group() == "湖州市"  # words need no boundary


def test_the_reader_is_given_every_sentence_best_first_and_those_of_passages_lacking_the_year_last():
    other_year = _hit("2023年赤壁市全年GDP为580亿元。", title="赤壁年鉴", source="b.txt")
    hits = [other_year, _hit(GDP)]
    candidates = sentence_candidates("赤壁市2023年的GDP是多少?", hits, _flat_idf)
    assert [c.hit_index for c in candidates] == [0, 1, 1, 1]  # the 2023 passage first; nothing is refused
    candidates = sentence_candidates("赤壁市预计全年GDP是多少?", hits, _flat_idf)
    assert sentence_of(hits, candidates[0]).startswith("预计全年GDP622亿元")


def test_an_answer_from_the_sentence_the_reader_accepted_leads_with_its_bold_reply():
    hits = [_hit(GDP)]
    lead = sentence_candidates("赤壁市预计全年GDP是多少?", hits, _flat_idf)[0]
    answer = answer_from("赤壁市预计全年GDP是多少?", hits, _flat_idf, lead, "622亿元")
    assert answer.direct == "622亿元" and answer.text.startswith("**622亿元** [1]\n\n预计全年GDP622亿元")
    assert answer_from("赤壁市预计全年GDP是多少?", hits, _flat_idf, lead, "").text.startswith("预计全年")


def test_a_sentence_that_asks_is_not_quoted_as_the_answer():
    hit = _hit("“为啥人家的果子能卖高价?”黄铁明一行发现,对方普遍施用有机肥,果品品质更好。", title="章庄铺镇柑橘")
    answer = answer_question("为啥人家的果子能卖高价?", [hit], _flat_idf)
    assert answer.found and [c.sentence for c in answer.citations] == [
        "黄铁明一行发现,对方普遍施用有机肥,果品品质更好。"
    ]


def test_a_who_question_may_be_answered_by_a_sentence_naming_no_person():
    hit = _hit("神州天地体育传媒有限公司担任总运营商,外资持有49%的股份。", title="中国电视体育联播平台")
    answer = answer_question("中国电视体育联播平台的总运营商是谁?", [hit], _flat_idf)
    assert answer.found and "神州天地体育传媒有限公司" in answer.text  # a company answers 谁 too


def test_a_number_without_a_unit_answers_when_no_sentence_gives_the_unit_asked():
    hit = _hit("根据日本气象厅的数据,此次地震的日本气象厅地震规模为7.2。震中位于岩手县。", title="岩手宫城内陆地震")
    answer = answer_question("岩手宫城内陆地震的地震规模是几级?", [hit], _flat_idf)
    assert answer.found and "7.2" in answer.text


def test_two_sentences_of_one_passage_that_match_the_question_equally_are_both_quoted():
    # Which of the two answers cannot be told from the question's words: both are shown, each with its own [n].
    hit = _hit("九命奇冤的作者是清代人。故事发生在雍正年间,情节曲折。作者在第一回中说明了写作缘由。", title="九命奇冤")
    answer = answer_question("九命奇冤的作者是谁?", [hit], _flat_idf)
    assert [c.sentence for c in answer.citations] == ["九命奇冤的作者是清代人。", "作者在第一回中说明了写作缘由。"]
    assert answer.citations[0].hit is answer.citations[1].hit


def test_a_verb_jieba_glues_to_an_unknown_name_does_not_hide_the_name():
    # jieba reads 潘淑是 as one word: no passage has it, so it would weigh as the rarest word and match nothing.
    def idf(token: str) -> float:  # 潘淑 is known to the corpus; 潘淑是 is not
        return {"潘淑": 5.0, "皇后": 4.0}.get(token, 9.0)

    assert evidence_terms("潘淑是谁的皇后", idf) == {"潘淑": 5.0, "皇后": 4.0}
    assert "啥" not in evidence_terms("啥是票王", idf)  # a question word, colloquial


def test_the_words_of_a_leading_when_clause_weigh_half():
    # 卡在验收环节时 says when; 主动请缨 and 协调 say what is asked, so a sentence retelling the scene must not win.
    terms = read_question("东延段因资料不全卡在验收环节时,是谁主动请缨去协调的?", _flat_idf).terms
    assert terms["资料"] == terms["验收"] == 0.5 and terms["请缨"] == terms["协调"] == 1.0
    assert read_question("东延段的验收是谁主动协调的?", _flat_idf).terms["验收"] == 1.0  # no 时 clause


def test_sentences_tied_with_the_best_do_not_crowd_out_the_one_next_to_it():
    hit = _hit(
        "图书馆的古籍藏书特点是宋元刻本多。古籍藏书保存完好,品相上乘。馆舍建于民国时期。"
        "古籍藏书的特点之一是开放借阅。馆舍曾经两次扩建。古籍藏书的另一特点是数字化。",
        title="图书馆",
    )
    answer = answer_question("图书馆的古籍藏书有什么特点?", [hit], _flat_idf)
    quotes = [c.sentence for c in answer.citations]
    # The next sentence joins the lead before a tie is quoted on its own; the room left takes one tie.
    assert quotes == ["图书馆的古籍藏书特点是宋元刻本多。古籍藏书保存完好,品相上乘。", "古籍藏书的特点之一是开放借阅。"]
