"""What a question asks for, read from its question word: a pure function over folded text."""

from __future__ import annotations

import pytest

from assistant.answers.question import question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("赤壁市去年全年的gdp预计有多少?", "number"),
        ("天门小天帮办团队一共有多少名专员", "number"),
        ("项目建设用了几个月", "number"),
        ("赤壁长江大桥东延段是哪天通过竣工验收的?", "date"),
        ("湖北哪一年出台了实施方案", "date"),  # 哪一年 asks a date before 哪 asks a thing
        ("男女主角的专属声优模式是由谁改编的？", "person"),
        ("是哪位领导带队去的", "person"),
        ("华工激光的设备都出口到了哪些国家", "place"),
        ("襄阳招聘会在哪个区举行", "place"),
        ("《战国无双3》是由哪两个公司合作开发的？", "thing"),
        ("四氟化碳又被称为什么", "thing"),  # 为 belongs to 称: a name is asked
        ("敷岛整修之后主要作为什么用途", "thing"),
        ("襄阳这次招聘会为什么设了直播带岗区?", "reason"),
        ("湖南的柑橘品质更好,原因是什么", "reason"),
        ("龙山国小几经改名为什么最后改为万华区龙山国小", "reason"),
        ("柑橘卖价高的原因是甚么", "reason"),  # 甚麼, folded: 什么 as written in Taiwan
        ("为啥人家的果子能卖高价", "reason"),
        ("章庄铺镇是怎样提高柑橘品质的", "method"),
        ("赤壁的数据采集工程", None),
    ],
)
def test_the_question_word_says_what_kind_of_answer_is_asked(question, kind):
    assert question_kind(question) == kind
