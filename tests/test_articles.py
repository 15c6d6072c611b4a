"""Article splitting rules on small layouts, each modelled on something the seed files do."""

from __future__ import annotations

from assistant.text.articles import derived_title, join_paragraphs, split_text

BODY_A = "黄石新港园区选派十名干部担任项目专员,进驻重点项目现场,协调解决企业难点堵点问题。"
BODY_B = "公安县章庄铺镇果农汪汝云说,四万公斤柑橘四天就卖完了,每公斤卖到一点四元。"
BODY_C = "建始县三里乡抽调十二名骨干干部组成攻坚专班,将办公室搬到征迁现场。"


def _split(*lines: str):
    return split_text("\n\n".join(lines), "f.txt")


def test_headline_kicker_byline_before_the_body() -> None:
    split = _split("硬核队伍写就三份答卷 淬火成钢奋进新征程", "读公报 强担当", "湖北日报全媒记者 雷巍巍", BODY_A)
    [article] = split.articles
    assert article.title == "硬核队伍写就三份答卷 淬火成钢奋进新征程"
    assert article.kicker == "读公报 强担当"
    assert article.byline == "湖北日报全媒记者 雷巍巍"
    assert article.text == BODY_A


def test_headlines_printed_after_their_bodies_go_to_the_body_they_describe() -> None:
    split = _split(
        "湖北日报全媒记者 杨富春", "通讯员 徐燕玲", BODY_A, "黄石新港项目专员 进驻重点项目",
        "湖北日报全媒记者 何辉", BODY_B, "公安县果农 柑橘卖到好价钱",
        "湖北日报全媒记者 蔡俊", BODY_C, "三里乡攻坚专班 把办公室搬到征迁现场",
    )  # fmt: skip
    assert [(a.title, a.text, a.byline) for a in split.articles] == [
        ("黄石新港项目专员 进驻重点项目", BODY_A, "湖北日报全媒记者 杨富春 通讯员 徐燕玲"),
        ("公安县果农 柑橘卖到好价钱", BODY_B, "湖北日报全媒记者 何辉"),
        ("三里乡攻坚专班 把办公室搬到征迁现场", BODY_C, "湖北日报全媒记者 蔡俊"),
    ]


def test_a_headline_between_a_titled_body_and_a_byline_heads_the_next_body() -> None:
    split = _split(
        "第一篇的标题", "本报记者 周莹", BODY_A, "公安县果农 柑橘卖到好价钱", "湖北日报全媒记者 何辉", BODY_B
    )
    assert [a.title for a in split.articles] == ["第一篇的标题", "公安县果农 柑橘卖到好价钱"]


def test_dateline_opens_a_body_and_becomes_the_byline() -> None:
    split = _split("节后第一天,襄阳2000多人找到新工作", "湖北日报讯(记者魏鹏、通讯员张一帆)2月24日,襄阳举办招聘会。")
    [article] = split.articles
    assert article.title == "节后第一天,襄阳2000多人找到新工作"
    assert article.byline == "湖北日报讯(记者魏鹏、通讯员张一帆)"
    assert article.text == "2月24日,襄阳举办招聘会。"


def test_continuation_mark_and_closing_credit() -> None:
    split = _split("牢记嘱托 加力奋进", "(上接第1版)", BODY_A, "(記者 魯冰兒 通訊員 李成)", "后一篇的标题", BODY_B)
    assert [(a.title, a.kicker, a.byline) for a in split.articles] == [
        ("牢记嘱托 加力奋进", "(上接第1版)", "記者 魯冰兒 通訊員 李成"),
        ("后一篇的标题", "", ""),
    ]


def test_subtitle_joins_the_headline() -> None:
    split = _split("锻造高质量发展“硬核”力量", "——赤壁市“干部素质提升年”工作纪实", "本报记者 周莹 通讯员 郭袁", BODY_A)
    assert split.articles[0].title == "锻造高质量发展“硬核”力量——赤壁市“干部素质提升年”工作纪实"


def test_section_headings_and_captions_stay_as_paragraphs() -> None:
    split = _split("标题", "记者 张三", BODY_A, "一线淬炼", BODY_B, "果农喜迎丰收。(受访者供图)", BODY_C)
    [article] = split.articles
    assert article.text.split("\n") == [BODY_A, "一线淬炼", BODY_B, "果农喜迎丰收。(受访者供图)", BODY_C]


def test_a_caption_title_is_not_a_headline() -> None:
    split = _split("标题", "记者 张三", BODY_A, "通城县直播带岗", "2月24日,工作人员直播带岗。(视界网 刘建平 摄)")
    [article] = split.articles
    assert article.title == "标题"
    assert article.text.endswith("通城县直播带岗\n2月24日,工作人员直播带岗。(视界网 刘建平 摄)")


def test_a_headline_over_a_photo_gap_starts_an_article() -> None:
    text = "标题\n\n记者 张三\n\n" + BODY_A + "\n\n赤壁市委编办\n\n优化编制资源配置 赋能经济高质量发展\n\n\n\n" + BODY_B
    split = split_text(text, "f.txt")
    assert [(a.title, a.kicker, a.text) for a in split.articles] == [
        ("标题", "", BODY_A),
        ("优化编制资源配置 赋能经济高质量发展", "赤壁市委编办", BODY_B),
    ]


def test_a_byline_without_a_body_is_kept_aside() -> None:
    split = _split(
        "湖北日报全媒体记者 汪洋", "通讯员 刘国发 蒋秋雨", "强素质 提能力", "湖北日报全媒体记者 雷巍巍", BODY_A
    )
    assert [(a.title, a.byline) for a in split.articles] == [("强素质 提能力", "湖北日报全媒体记者 雷巍巍")]
    assert split.unattached == ["湖北日报全媒体记者 汪洋", "通讯员 刘国发 蒋秋雨"]


def test_lines_broken_by_layout_are_joined() -> None:
    text = (
        "“班子成员包重点项目。”11月28日,正在新兴管业协\n\n调事情的陈灿说,新港园区选派10名干部。\n\n"
        "王忠林要求,要以改革精神和标准管\n\n党治党,激励全省广大党员干部。\n\n"
        "深入交流后,黄铁明一行发现,对方\n\n的优势在于更科学的种植方式。\n\n"
        "干部尹位脑\n海中浮现出两年前的场景。\n\n"
        "选派10名干部下沉企业一线、24名干部下沉基层治\n\n\n\n果农喜迎丰收。(受访者供图)\n\n理一线,历练成长。"
    )
    assert join_paragraphs(text).split("\n") == [
        "“班子成员包重点项目。”11月28日,正在新兴管业协调事情的陈灿说,新港园区选派10名干部。",
        "王忠林要求,要以改革精神和标准管党治党,激励全省广大党员干部。",
        "深入交流后,黄铁明一行发现,对方的优势在于更科学的种植方式。",
        "干部尹位脑海中浮现出两年前的场景。",
        "选派10名干部下沉企业一线、24名干部下沉基层治理一线,历练成长。",
        "果农喜迎丰收。(受访者供图)",
    ]


def test_headings_are_never_glued_into_sentences() -> None:
    text = (
        "强能转态促实干\n\n过去一年,赤壁市干部队伍能力作风建设成效斐然。\n\n"
        "未来五年,车谷产业创新大走廊这样建\n\n2月24日召开的大会上,方案首次发布。"
    )
    assert join_paragraphs(text).split("\n") == [
        "强能转态促实干",
        "过去一年,赤壁市干部队伍能力作风建设成效斐然。",
        "未来五年,车谷产业创新大走廊这样建",
        "2月24日召开的大会上,方案首次发布。",
    ]


def test_speaker_labels_in_transcripts_stay_in_the_body() -> None:
    text = (
        "本周,湖北省委召開全會。\n記者 尚大原:就在剛剛結束的全會上,通過了一份《意見》。\n"
        "(長江云新聞記者 徐瑗 向秀 通訊員 李哲文)"
    )
    [article] = split_text(text, "tv.txt").articles
    assert article.text == "本周,湖北省委召開全會。\n記者 尚大原:就在剛剛結束的全會上,通過了一份《意見》。"
    assert article.byline == "長江云新聞記者 徐瑗 向秀 通訊員 李哲文"


def test_derived_title() -> None:
    assert derived_title("本周,湖北省委召開十二屆十次全會,重點聚焦“激勵干部擔當作為”這一主題。會上通過了") == (
        "本周,湖北省委召開十二屆十次全會,重點聚焦“激勵干部擔當作為”這一主題"
    )
    long = "火熱的施工現場,項目專員與施工方討論著優化建設方案,忙碌的生產車間,黨建指導員逐條為企業解讀最新申報政策。"
    assert derived_title(long) == "火熱的施工現場,項目專員與施工方討論著優化建設方案,忙碌的生產車間"
    assert len(derived_title("无标点" * 30)) == 40


def test_untitled_article_gets_its_first_sentence_and_an_empty_file_no_article() -> None:
    assert split_text(BODY_A, "f.txt").articles[0].title == derived_title(BODY_A)
    assert split_text("", "f.txt").articles == []
    assert split_text("\n\n   \n", "f.txt").articles == []
