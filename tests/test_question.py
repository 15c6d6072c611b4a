"""Question analysis and direct-reply extraction: pure functions over folded text."""

from __future__ import annotations

import pytest

from assistant.answers.extraction import direct_reply, values
from assistant.answers.question import analyse


@pytest.mark.parametrize(
    ("question", "kind", "unit", "left", "right"),
    [
        ("赤壁市去年全年的gdp预计有多少?", "number", "", "赤壁市去年全年的gdp预计有", ""),
        ("天门小天帮办团队一共有多少名专员", "number", "名", "天门小天帮办团队一共有", "专员"),
        ("华工激光的设备一台卖多少钱?", "number", "元", "华工激光的设备一台卖", ""),
        ("赤壁长江大桥东延段是哪天通过竣工验收的?", "date", "", "赤壁长江大桥东延段是", "通过竣工验收的"),
        ("男女主角的专属声优模式是由谁改编的？", "person", "", "男女主角的专属声优模式是由", "改编的"),
        ("《战国无双3》是由哪两个公司合作开发的？", "thing", "", "《战国无双3》是由", "公司合作开发的"),
        ("襄阳这次招聘会为什么设了直播带岗区?", "reason", "", "襄阳这次招聘会", "设了直播带岗区"),
        ("赤壁的数据采集工程", None, "", "赤壁的数据采集工程", ""),
        ("项目建设用了几个月", "number", "个月", "项目建设用了", ""),
        ("华工激光的设备都出口到了哪些国家", "place", "", "华工激光的设备都出口到了", ""),
        ("四氟化碳又被称为什么", "thing", "", "四氟化碳又被称为", ""),  # 为 belongs to 称: a name is asked
        ("招商专班最近敲定的是哪个项目", "thing", "", "招商专班最近敲定的是", "项目"),  # 项 starts the noun
        ("湖南的柑橘品质更好,原因是什么", "reason", "", "湖南的柑橘品质更好,", ""),
        ("敷岛整修之后主要作为什么用途", "thing", "", "敷岛整修之后主要作为", "用途"),
        ("龙山国小几经改名为什么最后改为万华区龙山国小", "reason", "", "龙山国小几经改名", "最后改为万华区龙山国小"),
        ("柑橘卖价高的原因是甚么", "reason", "", "柑橘卖价高的", ""),  # 甚麼, folded: 什么 as written in Taiwan
        ("为啥人家的果子能卖高价", "reason", "", "", "人家的果子能卖高价"),
    ],
)
def test_question_is_taken_apart_at_its_question_word(question, kind, unit, left, right):
    frame = analyse(question)
    assert (frame.kind, frame.unit, frame.left, frame.right) == (kind, unit, left, right)


def test_a_number_question_names_what_it_counts():
    assert analyse("鄂州花湖机场的客运航线有多少条").measured == ("客运", "航线")
    assert analyse("白尾雀鲷生活在水深多少的海域").measured == ("水深",)
    assert "投资" in analyse("项目的总投资是多少").measured
    assert analyse("灰凤冠雉的体长是多少").measured == ("体长",)  # the bird is the subject, not what is counted
    assert analyse("国际货运把湖北外贸拉高了几个百分点").unit == "个百分点"
    frame = analyse("王江泾镇内有多少人口")  # 人口 is counted, 人 is not its unit
    assert (frame.unit, frame.right) == ("", "人口")
    assert frame.measured == ()  # 王江泾 镇内 is where, a name, not what is counted
    assert analyse("《最游记外传》连载完结时一共有多少话").measured == ()  # 时 is no quantity
    assert analyse("花湖机场的国内货邮吞吐量是多少").measured == ("国内", "货邮", "吞吐量")  # not the 国际 one
    assert analyse("项目用了多长时间就实现达产").right == "就实现达产"
    assert analyse("他们引来了几家企业").measured == ("企业",)  # not the verb: it is paraphrased too freely
    # What follows the measure word is what is counted, not the nouns before (首场 招聘会 is where they came).
    assert analyse("襄阳新年首场招聘会一共有多少家企业参会").measured == ("企业",)
    # A target or a count is a figure of what is named before it.
    assert analyse("到2030年整车产量的目标是多少").measured == ("整车", "产量")


@pytest.mark.parametrize(
    ("question", "sentence", "reply"),
    [
        ("赤壁市预计全年gdp是多少", "预计全年gdp622亿元,同比增长7.5%,总量和增速领跑咸宁;", "622亿元"),
        ("赤壁去年经济总量同比增速是多少", "预计全年gdp622亿元,同比增长7.5%,总量和增速领跑咸宁;", "7.5%"),
        ("全省要举办多少个主体班次", "2月24日,湖北出台实施方案,全省举办700个左右主体班次,培训5万人次。", "700个左右"),
        ("嘉兴南站建筑总面积为多少平方米", "嘉兴南站建筑总面积近5.6万平方米。", "近5.6万平方米"),
        ("吴少阳在什么时候去世", "吴少阳于元和九年(814年)九月去世。", "元和九年(814年)九月"),
        ("园区1—8月进出口额是多少", "今年1—8月,园区进出口额达256.5亿元,同比增长70%。", "256.5亿元"),
        ("《战国无双3》是由哪两个公司合作开发的", "《战国无双3》是由光荣和ω-force合作开发的。", "光荣和ω-force"),
        ("楼曾瑞毕业于哪个大学", "楼曾瑞于1990年毕业于香港中文大学。", "香港中文大学"),
        ("推官是什么朝代设置的", "推官是唐代设置的官职。", "唐代"),
        ("邓寄尘加入了哪个音乐社任撰曲", "之后加入羊城音乐社任撰曲,战后在广州电台当播音艺员。", "羊城音乐社"),
        ("吕理政在台湾大学哪个系取得学位", "吕理政在台湾大学考古人类学系取得学位。", "考古人类学系"),
        ("工作假期签证最长可以停留多久", "持工作假期签证者最长可以停留12个月。", "12个月"),  # not 12个
        ("单行本一共多少册", "单行本一共发行了12册。", "12册"),
        ("《我的暑假》是由哪个公司发售的游戏", "是2000年6月22日由索尼电脑娱乐发售的游戏。", "索尼电脑娱乐"),
        ("岑朗天在哪个学院教授课程", "岑朗天在香港中文大学新闻与传播学院教授课程。", "香港中文大学新闻与传播学院"),
        ("1948年敷岛在哪里被拆解", "1948年敷岛在佐世保海军工厂被拆解。", "佐世保海军工厂"),
        ("徐展堂在什么时候逝世了", "徐展堂于2010年4月2日早上11时逝世。", "2010年4月2日早上11时"),
        ("宋子仙在什么时候投降", "大宝二年(551年)六月二十二日,宋子仙投降。", "大宝二年(551年)六月二十二日"),
        ("徐陵在哪一年被封为尚书左仆射", "太建三年(公元571年),徐陵被封为尚书左仆射。", "太建三年(公元571年)"),
        ("会议是什么时候举行的", "会议于2006年5月11日至13日举行。", "2006年5月11日至13日"),
        ("高豆莫在哪一年合并了卒本扶余", "前108年,高豆莫合并了卒本扶余。", "前108年"),
        ("17号线的编号是多少", "17号线的编号为l3,全长35公里。", "l3"),
        ("升庵桂湖的总面积是多少", "升庵桂湖的总面积为46,600m²。", "46,600m²"),
        ("计划通过了多少经费", "计划通过了4亿5000万加元的经费。", "4亿5000万加元"),
        ("毒素烈度约为眼镜蛇的多少倍", "其毒素烈度约为眼镜蛇的四至八倍。", "四至八倍"),
        ("高氏前肛鳗的体长是多少", "体长为体高的17.3倍,体长可达19.7公分。", "19.7公分"),  # a ratio is no length
        ("华北陆块又叫什么", "华北陆块又名华北克拉通,是个史前大陆。", "华北克拉通"),  # 又叫 asked, 又名 written
        ("五羊新城又称什么", "五羊新城,又称五羊邨、五羊新村,是广州的一个街区。", "五羊邨、五羊新村"),
        ("成年的钩盲蛇是什么颜色", "成年的钩盲蛇身体呈亮灰色或紫色。", "身体呈亮灰色或紫色"),
        ("科布是简·奥斯丁哪部小说的重要场所", "科布是简·奥斯丁1818年小说《劝导》的重要场所。", "《劝导》"),
        ("三元桥站在什么地方", "三元桥站位于北京市朝阳区,是换乘车站。", "北京市朝阳区"),  # the place, not 位于
    ],
)
def test_direct_reply_is_the_answer_where_the_question_word_stands(question, sentence, reply):
    span = direct_reply(analyse(question), sentence)
    assert span is not None and sentence[span[0] : span[1]] == reply


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("鄂州花湖机场的客运航线有多少条", "鄂州花湖机场累计开通货运航线111个。"),  # another unit
        ("这座桥是哪一天通车的", "那一天好多人都掉眼泪。"),  # no date at all
        ("且末玉都机场在什么地方", "且末玉都机场是一个中国机场。"),  # a description, not a place
        ("襄阳这次招聘会为什么设了直播带岗区", "为了打破地域限制,招聘会设了直播带岗区。"),  # a reason is a clause
        ("宝山镇内的初级中学叫什么名字", "宝山镇内有一所全日制初级中学。"),  # a description, not the name
        ("小孤岛大医生首次放映的是哪个系列", "首次放映的「2003年系列」收视极佳。"),  # half a quoted title
        ("乔许·哈契森的处女作是什么", '乔许·哈契森的处女作是2002年的电视制作电影《"house blend"》。'),  # 电影《 alone
        ("陈灿写在笔记本扉页上的那句自勉语是什么", "陈灿的笔记本扉页上,这句自勉语格外醒目。"),  # a predicate
    ],
)
def test_no_direct_reply_without_a_confident_one(question, sentence):
    assert direct_reply(analyse(question), sentence) is None


@pytest.mark.parametrize(
    ("question", "sentence", "found"),
    [
        ("马那瓜的最高温一般出现在什么时候", "温度最高是三、四月份,当太阳位于头顶。", ["三、四月份"]),
        ("香港最先使用粤语配音动画是什么时候", "香港于60年代已经从迪士尼引入动画。", ["60年代"]),
        ("学院成立于哪一年", "学院成立于 1985 年,是大学的学院之一。", ["1985 年"]),
        ("扁尾海蛇通常在什么时候出没", "扁尾海蛇多于夜间出没。", ["夜间"]),  # a plain "when" takes a time of day
        ("榅桲在哪一年开花", "榅桲晚春或初夏开花。", []),  # ... a year does not
        ("园区预计什么时候建成", "联动蔡甸、江夏等区域,打造春风行动品牌。", []),  # 夏 of 江夏 is no summer
        ("武穴酥糖在什么时候生产", "酥糖在春节前后生产。", ["春节"]),
    ],
)
def test_dates_a_when_question_may_be_answered_with(question, sentence, found):
    assert [sentence[a:b] for a, b in values(analyse(question), sentence)] == found


def test_a_year_in_a_date_is_not_a_count_and_the_question_own_number_is_not_the_answer():
    frame = analyse("湖北今年计划纪念红军长征胜利90周年,要办多少个班次")
    sentence = "2026年是红军长征胜利90周年,全省举办700个左右主体班次。"
    assert [sentence[a:b] for a, b in values(frame, sentence)] == ["700个左右"]


def test_a_numeral_inside_an_idiom_is_no_count():
    frame = analyse("秦河新材料争取到了多少补贴")
    assert values(frame, "得知企业对政策申报一头雾水,最终争取到政策支持。") == []
    assert values(frame, "企业一次争取到三笔补贴。") != []
