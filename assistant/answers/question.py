"""What a question asks for: the kind of answer (a number, a date, a person, ...), read from its question word.

The reader reads a short answer (a number, a name) by copying it from the sentence it accepts; a reason or a method
is a clause, and the quoted sentence is the answer. A pure function over the folded (simplified, NFKC) question.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["number", "date", "person", "place", "reason", "method", "thing"]

# Ordered: the first pattern that matches names the kind ("哪一年" is a date before "哪" is a thing).
_ASKS: tuple[tuple[Kind, str], ...] = (
    ("date", r"什么时候|什么时间|何时|哪一?年|何年|几月几[日号]|几月|哪一?天|几号|哪个年代|什么年代"),
    # 称为什么 / 译为什么 ask a name, 作为什么(用途) a thing: 为 belongs to the verb (but 改名为什么最后改为… asks why).
    ("reason", r"(?<![称叫译封名作成])为什么|(?<=[名作成])为什么(?=.{5})|为何|什么原因|原因是什么|何故"),
    ("method", r"怎么样|怎样|怎么|如何|什么方式|什么办法|什么方法|什么手段"),
    ("person", r"谁|哪一?位|什么人"),
    (
        "place",
        r"哪里|哪儿|何地|何处|什么地方|哪(?:个|些|几个)(?:省|市|县|区|镇|乡|村|社区|街道|国家|城市|地区|地方)"
        r"|哪条(?:街道|街|路)|哪座城市|哪国",
    ),
    ("number", r"多长时间|多少时间|多少|几(?=[^乎经])|多大|多长|多高|多重|多远|多久|多宽|多深|百分之几"),
    ("thing", r"什么|哪|何种"),
)
ASKS = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _ASKS))
# Other spellings of 什么: 甚麼 (folded to 甚么) in Hong Kong and Taiwan writing, 啥 in speech (为啥, 啥时候).
_WHAT = re.compile(r"甚么|啥")


def question_kind(folded_question: str) -> Kind | None:
    """What the answer is, from the question's first question word; None when it has none."""
    match = ASKS.search(_WHAT.sub("什么", folded_question))
    return match.lastgroup if match else None  # type: ignore[return-value]
