"""Pure text cleaning, damage detection and folding for matching.

Cleaning is a function of the raw text only and repairs nothing it cannot prove: it removes markup
remnants, invisible characters and pinyin glued after characters, folds full-width ASCII and odd
spaces. What cannot be repaired (lost characters, mojibake) is *found* here and flagged by the caller.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import opencc

# --- cleaning -------------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
# Controls other than newline and tab carry no text; tab becomes a space below.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile(r" {2,}")
_FULL_WIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

_HTML_TAGS = (
    "a|abbr|article|b|big|blockquote|body|br|center|code|dd|div|dl|dt|em|figcaption|figure|font|footer|"
    "h[1-6]|head|header|hr|html|i|iframe|img|input|label|li|nav|ol|p|pre|s|script|section|small|span|"
    "strong|style|sub|sup|table|tbody|td|th|thead|title|tr|u|ul"
)
# A whole tag, or the remnant of one whose "<" was lost ("/span>", also right after a number: "256.5億元/span>"),
# or a comment. "/tag>" never occurs in prose, so the remnant needs no guard on what precedes it.
_HTML_REMNANT = re.compile(
    rf"<!--.*?-->|</?(?:{_HTML_TAGS})\b[^<>\n]{{0,300}}>|/(?:{_HTML_TAGS})>",
    re.IGNORECASE,
)
_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# One pinyin syllable carrying a tone mark: optional initial, vowels around the marked one, final.
_SYLLABLE = rf"(?:[bpmfdtnlgkhjqxrzcsyw]h?)?[aeiouüv]{{0,2}}[{_TONE_VOWELS}][aeiouüv]{{0,2}}(?:ng|n|r)?"
# "召開(kāi)": annotation glued after a character. "?tīng)": the character and the "(" were lost.
_PINYIN = re.compile(rf"(?<=[^\s(（])\({_SYLLABLE}\)|(?<=[?\ufffd])(?:{_SYLLABLE})\)")
# Spaces around CJK punctuation are layout debris ("賣不出去 ,這個").
_SPACE_AT_PUNCT = re.compile(r" +(?=[,.;:!?、。”’》）)])|(?<=[、。“‘《（(]) +")


def clean_text(raw: str) -> str:
    """The cleaned form of raw text: same lines and paragraphs, no debris. Idempotent."""
    text = raw
    # Removing one kind of debris can expose another ("<b>(k<i></i>āi)</b>"): iterate to a fixpoint,
    # which makes the function idempotent by construction.
    for _ in range(8):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def _clean_once(text: str) -> str:
    text = repair_utf8_mojibake(text)  # first: the other steps would destroy the bytes it rereads
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROLS.sub("", text)
    text = _HTML_REMNANT.sub("", text)
    text = _HTML_ENTITY.sub(lambda m: html.unescape(m.group()), text)
    text = text.translate(_FULL_WIDTH_ASCII)
    text = _ODD_SPACES.sub(" ", text)
    text = _PINYIN.sub("", text)
    text = _SPACE_AT_PUNCT.sub("", text)
    text = _SPACE_RUNS.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


# UTF-8 text decoded as Windows-1252 or Latin-1 ("æ–°æ¸¯") is a run of these characters...
_LATIN_RUN = re.compile(
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{3,}"
)
# ...and decoded as GBK or Big5 ("鏂版腐鍥尯") a run of non-ASCII characters.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")


def repair_utf8_mojibake(text: str) -> str:
    """Undo UTF-8 text decoded with a legacy encoding, only where that is provably right.

    A run is re-encoded with the wrong encoding and decoded as UTF-8. The repair is kept only when
    every byte decodes strictly (UTF-8's structure makes that vanishingly unlikely by chance for
    real text) and the result is ordinary Chinese. Runs that lost bytes cannot be reversed; they
    are left alone and flagged by mojibake_spans instead.
    """
    text = _LATIN_RUN.sub(lambda m: _reread(m.group(), ("cp1252", "latin-1")) or m.group(), text)
    return _NON_ASCII_RUN.sub(lambda m: _reread_within(m.group()), text)


def _reread(run: str, encodings: tuple[str, ...]) -> str | None:
    for encoding in encodings:
        try:
            fixed = run.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != run and any(is_cjk(c) for c in fixed) and all(_ordinary(c) for c in fixed):
            return fixed
    return None


def _reread_within(run: str) -> str:
    """A GBK/Big5-decoded stretch inside a run of Chinese: tried around its unusual characters."""
    odd = [i for i, c in enumerate(run) if not _ordinary(c)]
    if not odd:
        return run
    starts = range(max(0, odd[0] - 6), odd[0] + 1)
    ends = range(min(len(run), odd[-1] + 7), odd[-1], -1)
    for start in starts:
        for end in ends:
            fixed = _reread(run[start:end], ("gb18030", "big5hkscs"))
            if fixed is not None:
                return run[:start] + fixed + run[end:]
    return run


def _ordinary(char: str) -> bool:
    if is_cjk(char):
        return _encodable(char, "gb2312") or _encodable(char, "cp950")
    code = ord(char)
    return (0x20 <= code < 0x7F) or 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or 0x2010 <= code <= 0x2026


# --- folding for matching -------------------------------------------------------------------------


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Phrase-level traditional to simplified conversion (OpenCC t2s)."""
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    """Phrase-level simplified to traditional conversion (OpenCC s2t)."""
    return _converter("s2t").convert(text)


def in_script(text: str, traditional: bool) -> str:
    """`text` in the question's script (traditional or simplified), whichever script it was written in."""
    return to_traditional(text) if traditional else to_simplified(text)


def fold_for_matching(text: str) -> str:
    """The form keyword and vector retrieval see, for passages and queries alike.

    Simplified script (phrase-level OpenCC), compatibility and width folding (NFKC), single spaces.
    """
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _ODD_SPACES.sub(" ", text)
    text = _SPACE_RUNS.sub(" ", text)
    return to_simplified(text).strip()


# --- script ---------------------------------------------------------------------------------------


def is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF
    )


@cache
def simplified_char(char: str) -> str:
    """One character in simplified script, converted alone: unlike a phrase, it keeps its place in the text."""
    return _converter("t2s").convert(char)


def _is_traditional_form(char: str) -> bool:
    return simplified_char(char) != char


def is_traditional(text: str) -> bool:
    """Whether text is written in traditional script (by the share of traditional-only forms)."""
    han = [c for c in text if is_cjk(c)]
    if not han:
        return False
    traditional = sum(1 for c in han if _is_traditional_form(c))
    # Simplified text has almost none (a stray 著 or 乾); traditional text has 15-30%.
    return traditional / len(han) >= 0.05


# --- damage ---------------------------------------------------------------------------------------

_QUESTION_WORDS = re.compile(r"什么|什麼|怎|如何|为何|為何|为啥|為啥|哪|谁|誰|几|幾|多少|是否|难道|難道|可否|何")
_QUESTION_PARTICLES = "吗嗎呢吧么麼啊嘛呀"
_CLOSERS = "”’」』)）]》\"'"
_CLAUSE_BREAKS = re.compile(r"[,，、;；:：。!！?？\n“”]")
_REDACTION = re.compile(r"\*{2,}")
# Digits and the punctuation Chinese text is written with (after width folding) are never odd.
_ORDINARY_ASCII = frozenset("0123456789,.;:!?()[]\"'%-/+·")


def is_question_mark(text: str, index: int) -> bool:
    """Whether the "?" at index ends a question, rather than standing for a lost character.

    The seed corpora fold "？" to "?", and also write "?" where a character could not be encoded.
    A question mark follows a question particle or a clause with a question word, or closes a quote
    or a line; a lost character sits inside running text.
    """
    after = text[index + 1] if index + 1 < len(text) else "\n"
    before = text[index - 1] if index > 0 else "\n"
    if before in "?\ufffd" or after in "?\ufffd":
        return False
    if after in _CLOSERS or after in "\n ":
        return True
    if before in _QUESTION_PARTICLES:
        return True
    clause_start = max((m.end() for m in _CLAUSE_BREAKS.finditer(text, 0, index)), default=0)
    return bool(_QUESTION_WORDS.search(text, clause_start, index))


def lost_char_spans(text: str) -> list[tuple[int, int]]:
    """Spans where characters were lost: U+FFFD, "?" inside running text, "**" redactions."""
    spans = [(i, i + 1) for i, c in enumerate(text) if c == "\ufffd"]
    spans += [(i, i + 1) for i, c in enumerate(text) if c == "?" and not is_question_mark(text, i)]
    spans += [m.span() for m in _REDACTION.finditer(text)]
    return sorted(spans)


@cache
def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _odd_han(char: str, traditional: bool) -> bool:
    """A character that ordinary text in this script would not contain."""
    if traditional and not _encodable(char, "cp950"):
        return True  # not in Big5: a simplified-only or very rare form inside traditional text
    folded = simplified_char(char) if traditional else char
    return not _encodable(folded, "gb2312")  # outside the 6,763 characters of everyday use


def _odd_char(text: str, index: int, traditional: bool) -> bool:
    char = text[index]
    if is_cjk(char):
        return _odd_han(char, traditional)
    if char == "\ufffd":
        return True
    if char == "?":
        return not is_question_mark(text, index)
    if char.isspace() or char in _ORDINARY_ASCII:
        return False
    before = text[index - 1] if index > 0 else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    if char.isascii():
        # A lone letter or symbol glued to a character ("蹐@區", "矣X得", "濋L、"); words such as
        # "GDP", "eVTOL" or "7S店" are longer than one character.
        alone = not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())
        return alone and (is_cjk(before) or is_cjk(after))
    if unicodedata.category(char) in ("So", "No", "Sc", "Sm", "Sk"):
        return is_cjk(before) or is_cjk(after)  # "眲④S": a symbol glued to characters
    return False


@dataclass(frozen=True)
class _Odd:
    index: int
    marker: bool  # a lost-character mark rather than an odd character


def mojibake_spans(text: str, traditional: bool | None = None) -> list[tuple[int, int]]:
    """Spans that look like text decoded with the wrong encoding ("毙赂蹐@區", "鶎又卫怼白詈").

    Mojibake is a dense run of characters that text in this script does not use: forms outside
    GB2312 (or, in traditional text, outside Big5), letters and symbols squeezed between characters,
    lost-character marks. A run needs at least three such characters, no more than two ordinary
    characters between neighbours, and at least one that is not a lost-character mark; a single
    rare character (a name like 朱哲鋆) is not mojibake.
    """
    if traditional is None:
        traditional = is_traditional(text)
    odd = [_Odd(i, text[i] in "?\ufffd") for i in range(len(text)) if _odd_char(text, i, traditional)]
    spans: list[tuple[int, int]] = []
    group: list[_Odd] = []
    for item in [*odd, None]:
        if (
            item is not None
            and group
            and item.index - group[-1].index <= 3
            and "\n" not in text[group[-1].index : item.index]
        ):
            group.append(item)
            continue
        if len(group) >= 3 and any(not g.marker for g in group):
            spans.append((group[0].index, group[-1].index + 1))
        group = [item] if item is not None else []
    return spans
