"""The exact short answer inside an answering sentence: a number with its unit, a date, a name.

An answering sentence usually repeats the question's words around the answer ("《战国无双3》是由[光荣和ω-force]
开发"), so the answer is found where the question word would stand: after the end of the question's left part
and before the start of its right part. Pure functions over folded text (the same length as the display text
for the Chinese these corpora hold; callers check).
"""

from __future__ import annotations

import functools
import re

import jieba.posseg as pseg

from .question import UNITS, QuestionFrame

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_APPROX_BEFORE = r"(?:近|约|逾|超过|超)?"
_APPROX_AFTER = r"(?:多|余|以上|左右|上下|以下)?"
# Units written in Latin letters (the folded text is lower-cased): 46,600m², 300mb, 80-95cm.
_LATIN_UNITS = r"(?:km/h|km²|km|cm|mm|m²|m³|kg|mg|ml|mb|gb|kb|tb|℃|°c|°f|m)(?![a-z])"
NUMBER = re.compile(
    # A code's letters come with its number: l3, g11, 4c.
    rf"{_APPROX_BEFORE}第?(?:(?<![a-z])[a-z]{{1,2}}(?=\d))?"
    rf"(?:\d+(?:[.,:]\d+)*|[{_CN_DIGITS}]{{1,8}}(?:[至到][{_CN_DIGITS}]{{1,8}})?(?=(?:{UNITS})))(?:\s*[%‰])?[多余]?"
    rf"(?:[至到~—-]\d+(?:[.,]\d+)*)?(?:[万亿千百]+(?:\d+(?:\.\d+)?[万千百]+)?[多余]?)?"
    rf"(?:{UNITS}|{_LATIN_UNITS}|[a-z](?![a-z]))?{_APPROX_AFTER}"
)
_OTHER_UNIT = re.compile(r"[\u4e00-\u9fff%‰]")  # a value in words or in a unit of its own: 6.5万亩, 三个, 30%
_TIME = r"(?:(?:早上|上午|中午|下午|晚上|凌晨|清晨|傍晚)?\d{1,2}时(?:\d{1,2}分)?)?"  # 2010年4月2日早上11时
DATE = re.compile(
    # A reign year with its Western year: 元和九年(814年)九月, 建安二十四年(219年).
    # 大宝二年(551年)六月二十二日, 明治43年(1910年)4月, 太建三年(公元571年).
    r"[\u4e00-\u9fff]{2}(?:[元初一二三四五六七八九十]{1,3}|\d{1,2})年\((?:公元)?\d{1,4}年\)"
    r"(?:[一二三四五六七八九十]{1,3}月(?:[初一二三四五六七八九十廿]{1,3}日?)?|\d{1,2}月(?:\d{1,2}日)?|[春夏秋冬])?"
    r"|\d{3,4}[至到—-]\d{3,4}年间?"  # 1807-1809年间
    r"|(?:公元前?|前)?\d{3,4}年(?:代)?(?:\d{1,2}月(?:\d{1,2}[日号]" + _TIME + r"(?:[至到—-]\d{1,2}[日号])?)?)?"
    r"(?:[至到—-]\d{3,4}年(?:代)?)?"
    r"(?:[初末底中]期?|后期|前后|间|春季|夏季|秋季|冬季|[春夏秋冬])?"
    r"|(?:去年|今年|明年|前年|当年)?\d{1,2}月(?:\d{1,2}[日号]" + _TIME + r")?(?:[初中底末]|上旬|中旬|下旬)?"
    r"|\d{1,2}[—-]\d{1,2}月|\d{2}年代|\d{3,4} 年"
    r"|[一二三四五六七八九十]{1,3}世纪(?:\d+年代)?"
    r"|(?:[一二三四五六七八九十]{1,3}、)*(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,3}月(?:份|初|中|底|末)?"
)
# What a plain "when" (什么时候, not 哪一年) may also be answered with: a season, a time of day, an age.
_WHEN = re.compile(
    r"(?:早|晚|初|仲|深)[春夏秋冬](?:季|天|初|末)?|[春夏秋冬](?:季|天|初|末)|春节|元旦|元宵|清明|端午|中秋|重阳|除夕|夜间|夜晚|白天|清晨|黄昏|傍晚|(?:满)?\d{1,3}岁(?:时|前|后)?"
)
_ASKS_YEAR = re.compile(r"哪一?年|何年")
_GIVES_YEAR = re.compile(r"年|世纪")
_PLAIN_WHEN = ("什么时候", "何时", "什么时间")
_BREAK = re.compile(r"[,，;；:：。!！?？()（）「」“”\"]")
MAX_REPLY_CHARS = 16  # longer than this is a clause, not a reply; the quoted sentence says it better
MIN_ANCHOR = 2  # characters of the question that must recur in the sentence to locate the answer


def direct_reply(frame: QuestionFrame, folded_sentence: str) -> tuple[int, int] | None:
    """The span of the exact answer in the sentence, or None when there is no confident one."""
    if frame.kind in ("number", "date"):
        return _value(frame, folded_sentence)
    if frame.kind in ("person", "place", "thing"):
        span = _gap(frame, folded_sentence)
        if span is not None and _plausible(frame, folded_sentence[span[0] : span[1]]):
            return span
    return None  # a reason or a method is a clause: the sentence is the answer


def values(frame: QuestionFrame, sentence: str) -> list[tuple[int, int]]:
    """Spans of the numbers (in the asked unit) or dates (with a year, when 哪一年 is asked) in the sentence that
    could answer the question."""
    if frame.kind not in ("number", "date"):
        return []
    pattern = DATE if frame.kind == "date" else NUMBER
    dates = [m.span() for m in DATE.finditer(sentence)] if frame.kind == "number" else []
    found = list(pattern.finditer(sentence))
    if frame.kind == "date" and frame.text[len(frame.left) :].startswith(_PLAIN_WHEN):
        found += [m for m in _WHEN.finditer(sentence) if not any(d.start() <= m.start() < d.end() for d in found)]
        found.sort(key=lambda m: m.start())
    spans = [
        m.span()
        for m in found
        if m.group() not in frame.text
        and not _in_set_phrase(sentence, m)
        and not any(a <= m.start() and m.end() <= b for a, b in dates)
        and (not frame.unit or frame.unit in m.group() or (frame.loose_unit and not _OTHER_UNIT.search(m.group())))
        and (not m.group().endswith("倍") or "倍" in frame.text)  # 体长为体高的72倍 gives no length
    ]
    if frame.kind == "date" and _ASKS_YEAR.match(frame.text, len(frame.left)):
        spans = [s for s in spans if _GIVES_YEAR.search(sentence, s[0], s[1])]  # 哪一年 is not answered by 11月10日
    if frame.kind == "number" and not frame.unit:
        spans = [s for s in spans if not sentence[s[0] : s[1]].isdigit() or _unitless_ok(sentence, s)] or spans
    return spans


# jieba's tags for idioms, set phrases, attributives: 一头雾水, 一站式 hold a numeral and measure word, not a count.
_SET_PHRASE_FLAGS = frozenset({"i", "l", "b"})


def _in_set_phrase(sentence: str, match: re.Match[str]) -> bool:
    """Whether a value written without digits lies inside a longer idiom or set phrase (一头 in 一头雾水)."""
    if re.search(r"\d", match.group()):
        return False
    start, end = match.span()
    return any(a <= start and end <= b and b - a > end - start for a, b in _set_phrases(sentence))


@functools.lru_cache(maxsize=256)
def _set_phrases(sentence: str) -> tuple[tuple[int, int], ...]:
    """Spans of the sentence's idioms and set phrases, segmented once: values() reads a candidate sentence twice
    (to rule it out, then for the direct reply)."""
    spans, at = [], 0
    for word in pseg.cut(sentence, HMM=False):
        if word.flag in _SET_PHRASE_FLAGS:
            spans.append((at, at + len(word.word)))
        at += len(word.word)
    return tuple(spans)


def _value(frame: QuestionFrame, sentence: str) -> tuple[int, int] | None:
    """The number (with the asked unit) or the date nearest after the question's left part."""
    spans = values(frame, sentence)
    if not spans:
        return None
    left_end = _left_anchor(frame.left, sentence)
    right_start = _right_anchor(frame.right, sentence, 0)
    if left_end is None and right_start is None:
        return spans[0] if len(spans) == 1 else None

    def distance(span: tuple[int, int]) -> int:
        after_left = span[0] - left_end if left_end is not None else None
        before_right = right_start - span[1] if right_start is not None else None
        options = [d if d >= 0 else 3 * -d + 10 for d in (after_left, before_right) if d is not None]
        return min(options)

    return min(spans, key=distance)


def _unitless_ok(sentence: str, span: tuple[int, int]) -> bool:
    """A bare number is a reply when nothing unit-like follows it (a count at a clause end, "100点" is not bare)."""
    return span[1] == len(sentence) or bool(_BREAK.match(sentence, span[1]))


def _gap(frame: QuestionFrame, sentence: str) -> tuple[int, int] | None:
    """The words between where the question's left part ends and its right part starts."""
    left_end = _left_anchor(frame.left, sentence)
    if left_end is None:
        left_end = _after_preposition(frame, sentence)
    if left_end is None:
        return None
    right = frame.right
    tails = _category_tails(right)
    if right in tails and right not in sentence[left_end:]:
        right = ""  # 是什么颜色: the category alone, not repeated (身体呈亮灰色); the answer follows the left part
    if right:
        right_start = _right_anchor(right, sentence, left_end)
        if right_start is None:
            return None
        span = (left_end, right_start)
    elif frame.kind == "thing" and not frame.left.endswith(("是", "为", "叫", "称")):
        return None  # "...有什么": without a right part, what follows the left part is rarely the thing itself
    else:
        # The question ends with its question word (锣鼓经是什么): the answer runs to the next break.
        stop = _BREAK.search(sentence, left_end)
        span = (left_end, stop.start() if stop else len(sentence))
    start, end = span
    if frame.kind == "place" and sentence.startswith("是", start):
        return None  # "X是…的一个车站" describes X; where it is would follow 位于 or 在
    # The answer names its category too: 哪个系 -> 考古人类学系, 什么朝代 -> 唐代, 什么宗教 -> 佛教.
    for tail in tails:
        if sentence.startswith(tail, end):
            end += len(tail)
            break
    if end < len(sentence) and sentence[end] in _CLOSING and sentence[start:end].count(_OPENING[sentence[end]]):
        end += 1  # keep a title's closing bracket: 《濒危野生动植物种国际贸易公约》
    start = _skip_leading(sentence, start, end)
    verb = NAMING.match(sentence, start, end) or _LOCATING.match(sentence, start, end)
    if verb:  # 华北陆块又名华北克拉通, 位于北京市朝阳区: the name or the place, not the verb that gives it
        start = _skip_leading(sentence, verb.end(), end)
    while end > start and sentence[end - 1] in " 、,，的":
        end -= 1
    title = _TITLE.match(sentence, end)
    if title and start < end:
        start, end = title.span()  # 1818年小说《劝导》: the gap caught the kind of work, its title follows
    if frame.asks_name:
        said = _SAYING.search(sentence, start, end)
        if said and said.start() - start >= 2:
            end = said.start()  # 董事长卢放表示: the name, not the verb that quotes its holder
        label = sentence.rfind(" ", start, end)
        if label > start and _CJK.match(sentence, label - 1) and end - label > 2:
            start = label + 1  # 村委会主任 王金初: a caption gives the title, a space, then the name
    text = sentence[start:end]
    if not text or len(text) > MAX_REPLY_CHARS or text in frame.text:
        return None
    if any(text.count(opening) != text.count(closing) for closing, opening in _OPENING.items()):
        return None  # half a title or quote: 电影《 without its name
    if _BREAK.search(text) and not _TITLE.fullmatch(text):
        return None  # a clause, unless the reply is one quoted title
    return start, end


def _skip_leading(sentence: str, start: int, end: int) -> int:
    while start < end and sentence[start] in " 、,，的是为了在由于:：":
        start += 1
    return start


_TITLE = re.compile(r"《[^《》]{1,30}》|「[^「」]{1,30}」|“[^“”]{1,30}”")
_SAYING = re.compile(r"(?:这样|如此)?(?:表示|介绍|认为|指出|强调|坦言|透露|说道|告诉|评价|说|称)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LOCATING = re.compile(r"(?:位于|地处|坐落于|坐落在|处于)")
# Verbs that give a thing another name: where a "又叫什么" or "原名是什么" question is answered.
NAMING = re.compile(
    r"(?:又名|又称|又叫|也叫|亦称|亦名|简称|俗称|俗名|别称|别名|学名|原名|本名|旧称|古称|全称|名为|称为|叫做|名叫|通称|统称)"
)
_OPENING = {"》": "《", "」": "「", "”": "“", ")": "(", "』": "『"}
_CLOSING = "".join(_OPENING)
# Starts that show the gap caught a clause, not a name: adverbs, pronouns, verbs of saying.
_CLAUSE_START = tuple("也就还都又即这那其该此所于被把将叫称有")
# A degree adverb opens a predicate (这句自勉语[格外醒目]), never a name or a thing.
_DEGREE = tuple("格外 十分 非常 很 特别 极其 极为 相当 尤其 尤为 更加 更为 较为 比较 最为 颇为".split())
_PLACE_END = tuple("省市县区镇乡村州国路街岛山河湖江海港湾洲部处内外旁边侧角口站厂校学园馆院寺庙场城宫楼塔桥谷礁滩岸域")


def _plausible(frame: QuestionFrame, reply: str) -> bool:
    """Whether the reply looks like what the question asks for: a name for 谁, a place for 哪里, a noun phrase."""
    if reply.startswith(_CLAUSE_START + _DEGREE) or _DESCRIPTION.match(reply):
        return False  # a clause, a predicate, or a description (一个中国机场, 一所中学) rather than the name asked for
    if frame.kind == "person":
        return len(reply) <= 12 and not re.search(r"[他她它我你]", reply)
    if frame.kind == "place":
        return reply.endswith(_PLACE_END) or any(w.flag == "ns" for w in pseg.cut(reply))
    return True


_DESCRIPTION = re.compile(r"一[个座条家所间位名种部只支]")
_NOT_CATEGORY = frozenset("的 是 在 被 于 把 和 与 及 为 将 会 能 可 也 都 还 就 又".split())


def _category_tails(right: str) -> list[str]:
    """The noun that opened the question's right part (哪个[系], 什么[时期], 哪个[音乐社]), longest first, with its
    last character (朝代 -> 唐代), as the answer may end with it.

    A noun and a one-character noun after it (音乐社), a verbal noun only first (朝代 设置 is not a category); a
    single character right after the question word counts too (jieba tags 系 as a verb).
    """
    nouns: list[str] = []
    for i, word in enumerate(pseg.lcut(right[:8], HMM=False)[:2]):
        is_noun = word.flag.startswith("n") or word.flag == "j" or (i == 0 and word.flag == "vn")
        if i == 1 and len(word.word) > 1:
            break  # 音乐 社 is one category; 学院 教授 (课程) is a category and what follows it
        if not (is_noun or (i == 0 and len(word.word) == 1 and word.word not in _NOT_CATEGORY)):
            break
        nouns.append(word.word)
    if not nouns:
        return []
    return ["".join(nouns), nouns[0], nouns[0][-1]] if len(nouns) == 2 else [nouns[0], nouns[0][-1]]


_PREPOSITION = re.compile(r"[由与和同被向从用以]")


def _after_preposition(frame: QuestionFrame, sentence: str) -> int | None:
    """Where the answer starts when the question's left part does not recur but ends in a preposition that the
    sentence repeats just before the recurring right part (是由[哪个公司]发售 / 是2000年由索尼电脑娱乐发售)."""
    if not frame.right or not _PREPOSITION.fullmatch(frame.left[-1:]):
        return None
    right_start = _right_anchor(frame.right, sentence, 0)
    if right_start is None:
        return None
    at = sentence.rfind(frame.left[-1], max(0, right_start - MAX_REPLY_CHARS - 1), right_start)
    return at + 1 if at >= 0 else None


def _left_anchor(left: str, sentence: str) -> int | None:
    """End of the longest tail of the question's left part found in the sentence.

    Failing that, the tail before a naming verb, which the sentence often words differently (又叫 / 又名).
    """
    left = left.rstrip("的是有为在了")
    for part in dict.fromkeys((left, re.sub(r"(?:又叫|又称|叫做|也叫|叫)$", "", left))):
        for size in range(min(len(part), 12), MIN_ANCHOR - 1, -1):
            tail = part[-size:]
            at = sentence.find(tail)
            while at > 0 and "副" not in left and _deputy_title(sentence, at, part[:-size]):
                at = sentence.find(tail, at + 1)  # 副书记 is not the 书记 asked for
            if at >= 0:
                return at + size
    return None


def _deputy_title(sentence: str, at: int, asked_before: str) -> bool:
    """Whether the anchor at `at` ends a deputy's title: 副 and then what the question has before the anchor
    (副书记 for 书记; 副总经理 for 经理 when the question says 总经理)."""
    for j in range(at - 1, max(-1, at - 4), -1):
        if sentence[j] == "副" and asked_before.endswith(sentence[j + 1 : at]):
            return True
    return False


def _right_anchor(right: str, sentence: str, after: int) -> int | None:
    """Start of the longest head of the question's right part found in the sentence after `after`.

    The head may skip a few characters: the noun after 哪 (哪家[单位]) is often not repeated.
    """
    right = right.lstrip("的是")
    for skip in range(0, min(5, len(right))):
        rest = right[skip:]
        for size in range(min(len(rest), 8), MIN_ANCHOR - 1, -1):
            at = sentence.find(rest[:size], after)
            if at >= 0:
                return at
    return None
