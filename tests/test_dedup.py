"""Near-duplicate stories: found across scripts and rewrites, not between articles on one topic."""

from __future__ import annotations

from assistant.text.dedup import story_groups
from assistant.text.documents import Article

STORY = (
    "“周末跑工地,问题不过夜”,这是黄石新港园区项目建设办公室副主任陈灿写在笔记本扉页上的一句话。"
    "新港园区选派10名熟悉经济、规划、建设的选派干部担任“项目专员”,进驻弘盛铜业、湖北优科等49个重点项目现场,"
    "协调解决企业难点堵点问题,已累计梳理解决难题62个。"
)
STORY_TRADITIONAL_REWRITE = (
    "“周末跑工地,問題不過夜!”項目專員、新港園區項目建設指揮部辦公室副主任陳燦的筆記本扉頁上,這句自勉語格外醒目。"
    "10名像陳燦一樣熟悉經濟、規劃、建設的選派干部擔任“項目專員”,直接進駐弘盛銅業、湖北優科等49個重點項目現場,扎根工地,"
    "累計梳理并解決項目推進難題62個。"
)
SAME_TOPIC = (
    "今年是全省“干部素质提升年”,省委实施凝心铸魂、对标争先、强基提能等六大行动,干部队伍素质得到淬炼提升,"
    "责任感更强、精气神更足、战斗力更旺盛。全省干部队伍将更加振奋昂扬精神,担当作为、奋勇争先。"
)


def _article(source: str, number: int, text: str) -> Article:
    return Article(source=source, number=number, title="", text=text)


def test_the_same_story_in_both_scripts_is_one_group() -> None:
    articles = [
        _article("roundup.txt", 1, STORY),
        _article("roundup.txt", 0, SAME_TOPIC),
        _article("xingang.txt", 0, STORY_TRADITIONAL_REWRITE),
    ]
    assert story_groups(articles) == [[("roundup.txt", 1), ("xingang.txt", 0)]]


def test_groups_are_transitive_and_singletons_left_out() -> None:
    articles = [_article("a.txt", 0, STORY), _article("b.txt", 0, STORY), _article("c.txt", 0, STORY + SAME_TOPIC)]
    assert story_groups(articles) == [[("a.txt", 0), ("b.txt", 0), ("c.txt", 0)]]
    assert story_groups([_article("a.txt", 0, STORY)]) == []
    assert story_groups([]) == []


def test_short_notes_sharing_one_phrase_are_not_duplicates() -> None:
    articles = [_article("a.txt", 0, "周末跑工地,问题不过夜。"), _article("b.txt", 0, "他说周末跑工地,问题不过夜。")]
    assert story_groups(articles) == []
