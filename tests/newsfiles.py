"""News files made at test time: an e-paper PDF, a scan, an encrypted PDF, a Word file, a saved web page.

The PDF is laid out like a newspaper page: running header and folio, headlines across two columns, bodies
flowing from the left column into the right one, two articles on page 1 and a third on page 2.
"""

from __future__ import annotations

import io
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

PARK = (
    "咸宁高新区新材料产业园一期投产",
    "本报记者 程晓明 通讯员 王丽",
    [
        "12月3日，咸宁高新区新材料产业园一期项目正式投产。项目总投资35亿元，主要生产锂电池隔膜和高性能"
        "复合材料，全部达产后预计年产值80亿元，可提供就业岗位1200个。",
        "园区负责人介绍，一期工程从开工到投产仅用了14个月。为保障项目建设，高新区组建专班驻点服务，"
        "协调解决用地、用电、用水等问题37个，企业办理各类审批手续的时间压缩了一半以上。",
        "据悉，产业园二期将于明年春季开工，重点引进新能源汽车零部件企业，力争到2028年形成百亿级产业集群。",
    ],
)
FAIR = (
    "通城县举办返乡创业就业招聘会",
    "本报记者 郑兰 通讯员 许东",
    [
        "11月28日，通城县返乡创业就业招聘会在县体育馆举行，86家企业带来2300个就业岗位，吸引4000余名"
        "求职者到场，现场达成就业意向1100余人。",
        "招聘会设置了电子信息、纺织服装、医药化工等专区，并开设创业贷款咨询台，为有意返乡创业的人员"
        "讲解担保贷款政策。县人社局工作人员表示，今年以来全县已发放创业担保贷款1.6亿元。",
    ],
)
TEA = (
    "崇阳县雨山村建成光伏茶园",
    "本报记者 甘露",
    [
        "崇阳县雨山村的光伏茶园日前并网发电。茶园占地460亩，在茶树上方架设光伏板，年发电量约520万千瓦时，"
        "村集体每年可增收40万元。",
        "村党支部书记说，光伏板为茶树遮挡了夏季强光，茶叶品质反而提高了，茶农采茶也更凉快。",
    ],
)
PDF_QUESTION = "崇阳县雨山村光伏茶园年发电量是多少?"  # answered only by page 2 of the PDF
PDF_ANSWER = "520万千瓦时"

_PAGE_W, _PAGE_H = 595, 842
_LEFT, _RIGHT, _COLUMN_W = 50, 310, 235
_BODY, _PITCH = 10.5, 15
_FONT = "STSong-Light"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    return _FONT


def _wrap(paragraphs: list[str], per_line: int) -> list[str]:
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(paragraph[i : i + per_line] for i in range(0, len(paragraph), per_line))
    return lines


def _article(canvas, article: tuple[str, str, list[str]], top: float, rows: int, drop: float = 36) -> None:
    """A headline across both columns, the byline and body `drop` points under it flowing down the left column
    then the right."""
    headline, byline, paragraphs = article
    canvas.setFont(_font(), 20)
    canvas.drawCentredString(_PAGE_W / 2, top, headline)
    canvas.setFont(_font(), _BODY)
    lines = [byline, *_wrap(paragraphs, int(_COLUMN_W // _BODY))]
    for i, line in enumerate(lines):
        column, row = divmod(i, rows)
        canvas.drawString(_LEFT if column == 0 else _RIGHT, top - drop - row * _PITCH, line)


def _furniture(canvas, page: int) -> None:
    canvas.setFont(_font(), 9)
    canvas.drawString(_LEFT, _PAGE_H - 28, f"咸宁日报　2026年12月5日　星期六　第{page}版")
    canvas.drawCentredString(_PAGE_W / 2, 24, f"- {page} -")


def news_pdf(path: Path) -> Path:
    """Two pages: PARK and FAIR on page 1, TEA on page 2, each over two columns."""
    from reportlab.pdfgen import canvas as pdf_canvas

    canvas = pdf_canvas.Canvas(str(path), pagesize=(_PAGE_W, _PAGE_H))
    _furniture(canvas, 1)
    _article(canvas, PARK, 770, rows=9)
    _article(canvas, FAIR, 470, rows=7, drop=22)  # set tight: no blank band under the headline
    canvas.showPage()
    _furniture(canvas, 2)
    _article(canvas, TEA, 770, rows=5)
    canvas.showPage()
    canvas.save()
    return path


def encrypted_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas as pdf_canvas

    canvas = pdf_canvas.Canvas(str(path), encrypt="secret")
    canvas.setFont(_font(), 12)
    canvas.drawString(50, 700, "加密文件中的内容。")
    canvas.save()
    return path


def scanned_pdf(path: Path) -> Path:
    """A page that is one picture of text: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as pdf_canvas

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((40, 40, 360, 60), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    canvas = pdf_canvas.Canvas(str(path))
    canvas.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 50, 500, width=400, height=200)
    canvas.save()
    return path


def news_docx(path: Path) -> Path:
    """Two articles under Heading 1, a section heading, a table of figures."""
    import docx

    document = docx.Document()
    document.add_heading("嘉鱼县蔬菜产业提质增效", level=1)
    document.add_paragraph("本报记者 周强")
    document.add_paragraph("今年以来，嘉鱼县推广大棚蔬菜标准化种植，全县蔬菜播种面积达到42万亩。")
    document.add_heading("主要指标", level=2)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("指标", "2024年", "2025年"), ("播种面积", "38万亩", "42万亩"),
                                       ("产值", "51亿元", "58亿元")], strict=True):  # fmt: skip
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("县农业农村局表示，明年将新建冷链仓储设施10处，减少蔬菜采后损耗。")
    document.add_heading("赤壁市开通城乡公交新线路", level=1)
    document.add_paragraph("12月1日起，赤壁市新开通城乡公交线路5条，覆盖沿线32个行政村，票价统一为2元。")
    document.save(str(path))
    return path


def news_page() -> str:
    """A saved news page: navigation, an ad, a related-links box and a footer around one article."""
    return (FIXTURES / "news-page.html").read_text(encoding="utf-8")
