"""The summary report (总结报告) as a Word document the township edits, and as Markdown.

Both say the same: the campaign's figures in sentences, its dates, a table per village, the progress
by village as a chart, the overdue lists and the problems still open. The chart in Word is a table of
shaded cells (one per 5%), native to the document: it needs no image library, renders without a
display and stays editable. Nothing sensitive: no ID number, phone, health detail or description.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from services.ledger.reports.page import OverdueList, Summary
from services.ledger.reports.schemas import ProgressReport, UnitProgress

CHART_CELLS = 20  # one cell per 5%
AREA = {"district": "区", "township": "镇", "village": "村"}
VILLAGE_COLUMNS = (("households", "户数"), ("visited", "已走访户数"), ("key_targets.face_to_face", "重点对象入户"),
                   ("problems.suspected", "待核实问题"), ("problems.confirmed", "确认问题"),
                   ("rectifications.closed", "已销号"), ("rectifications.overdue", "整改逾期"),
                   ("cases.overdue", "识别超时"), ("warnings.late", "预警超时核实"))


def _counts(unit: UnitProgress) -> dict[str, int]:
    return {f.key: f.count for f in unit.figures}


def _percent(unit: UnitProgress, key: str) -> float:
    figure = next((f for f in unit.figures if f.key == key), None)
    return figure.percent if figure is not None and figure.percent is not None else 0.0


def title(report: ProgressReport) -> str:
    return f"{report.org_name}{report.year}年“{report.campaign_name}”行动总结报告"


def _due(report: ProgressReport) -> str:
    """The day the summary is due: the campaign's ``visits_checked_by`` (走访排查 and the summary report)."""
    phase = next((p for p in report.phases if p.key == "visits_checked_by"), None)
    return phase.due_on.isoformat() if phase else "——"


def sentences(report: ProgressReport) -> list[str]:
    """The figures of the unit asked about, in the words of a report."""
    c = _counts(report.units[0]) if report.units else {}
    first = report.units[0] if report.units else None
    visited_share = _percent(first, "visited") if first else 0.0
    return [
        f"截至{report.as_of:%Y年%m月%d日}，全{AREA.get(first.level, '') if first else ''}共有农户{c.get('households', 0)}户"
        f"{c.get('people', 0)}人，已走访{c.get('visited', 0)}户，走访完成率{visited_share:g}%；其中入户走访"
        f"{c.get('visited.home_visit', 0)}户、线上问询{c.get('visited.online_inquiry', 0)}户、村级研判"
        f"{c.get('visited.village_assessment', 0)}户。已走访重点对象{c.get('key_targets', 0)}户，其中入户走访"
        f"{c.get('key_targets.face_to_face', 0)}户。",
        f"排查发现疑似问题{sum(c.get(k, 0) for k in ('problems.suspected', 'problems.not_a_problem', 'problems.confirmed'))}"
        f"个，经核实确有问题{c.get('problems.confirmed', 0)}个、不是问题{c.get('problems.not_a_problem', 0)}个，"
        f"待核实{c.get('problems.suspected', 0)}个。",
        f"纳入整改台账{c.get('rectifications', 0)}项，已销号{c.get('rectifications.closed', 0)}项、已完成待销号"
        f"{c.get('rectifications.completed', 0)}项、整改中{c.get('rectifications.in_progress', 0)}项，其中逾期"
        f"{c.get('rectifications.overdue', 0)}项。",
        f"监测对象识别认定：已识别纳入{c.get('cases.identified', 0)}户，超过时限{c.get('cases.overdue', 0)}户。"
        f"收到部门预警信息{c.get('warnings.received', 0)}条，按时核实{c.get('warnings.on_time', 0)}条、超时核实"
        f"{c.get('warnings.late', 0)}条、尚未核实{c.get('warnings.unchecked', 0)}条。",
    ]


def villages(report: ProgressReport) -> list[UnitProgress]:
    return [u for u in report.units if u.level == "village"] or report.units


def _shade(cell, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    properties.append(shading)


def _table(document, headers, rows) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(header)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "——" if value is None else str(value)


def _chart(document, units: list[UnitProgress], key: str) -> None:
    table = document.add_table(rows=0, cols=CHART_CELLS + 2)
    for unit in units:
        share = _percent(unit, key)
        filled = round(CHART_CELLS * min(share, 100.0) / 100.0)
        cells = table.add_row().cells
        cells[0].text = unit.name
        for index in range(CHART_CELLS):
            _shade(cells[index + 1], "2B6CB0" if index < filled else "E2E8F0")
        cells[-1].text = f"{share:g}%"


def _list(document, item: OverdueList) -> None:
    document.add_heading(item.title, level=2)
    if item.rows:
        _table(document, item.headers, item.rows)
    else:
        document.add_paragraph("无。")


def write_docx(summary: Summary, target: Path) -> None:
    report = summary.report
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    heading = document.add_heading(title(report), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(f"（初稿，数据截至{report.as_of.isoformat()}，由系统根据台账数据生成，请核对后修改，"
                           f"于{_due(report)}前报送）")
    document.add_heading("一、总体进展", level=1)
    for sentence in sentences(report):
        document.add_paragraph(sentence)
    document.add_heading("二、时间节点", level=1)
    _table(document, ("节点", "日期", "距今"),
           [(p.label, p.due_on.isoformat(), f"还有{p.days_left}天" if p.days_left >= 0 else f"已过{-p.days_left}天")
            for p in report.phases])
    document.add_heading("三、各村进度", level=1)
    units = villages(report)
    _table(document, ("村", *(label for _, label in VILLAGE_COLUMNS)),
           [(u.name, *(_counts(u).get(key, 0) for key, _ in VILLAGE_COLUMNS)) for u in units])
    document.add_heading("各村走访完成率", level=2)
    _chart(document, units, "visited")
    document.add_heading("各村整改完成率", level=2)
    _chart(document, units, "rectifications")
    document.add_heading("四、逾期事项", level=1)
    for item in summary.overdue:
        _list(document, item)
    document.add_heading("五、未办结问题", level=1)
    _list(document, summary.open_problems)
    if summary.truncated:
        document.add_paragraph(f"（仅列前{len(summary.open_problems.rows)}个，完整清单见问题台账导出。）")
    document.save(str(target))


def _md_cell(value: object) -> str:
    return ("——" if value is None else str(value)).replace("|", "｜").replace("\n", " ")


def _md_table(headers, rows) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return lines


def _md_bar(share: float) -> str:
    filled = round(CHART_CELLS * min(share, 100.0) / 100.0)
    return "█" * filled + "░" * (CHART_CELLS - filled)


def render_markdown(summary: Summary) -> str:
    report = summary.report
    units = villages(report)
    lines = [f"# {title(report)}", "",
             f"（初稿，数据截至{report.as_of.isoformat()}，由系统根据台账数据生成，于{_due(report)}前报送）", "",
             "## 一、总体进展", "", *(f"{s}\n" for s in sentences(report)), "## 二、时间节点", "",
             *_md_table(("节点", "日期", "距今"),
                        [(p.label, p.due_on.isoformat(),
                          f"还有{p.days_left}天" if p.days_left >= 0 else f"已过{-p.days_left}天")
                         for p in report.phases]),
             "", "## 三、各村进度", "",
             *_md_table(("村", *(label for _, label in VILLAGE_COLUMNS)),
                        [(u.name, *(_counts(u).get(key, 0) for key, _ in VILLAGE_COLUMNS)) for u in units]),
             "", "### 各村走访完成率", "", "```text",
             *(f"{u.name}\t{_md_bar(_percent(u, 'visited'))} {_percent(u, 'visited'):g}%" for u in units), "```",
             "", "### 各村整改完成率", "", "```text",
             *(f"{u.name}\t{_md_bar(_percent(u, 'rectifications'))} {_percent(u, 'rectifications'):g}%"
               for u in units), "```", "", "## 四、逾期事项", ""]
    for item in summary.overdue:
        lines += [f"### {item.title}", "", *(_md_table(item.headers, item.rows) if item.rows else ["无。"]), ""]
    lines += ["## 五、未办结问题", "", *(_md_table(summary.open_problems.headers, summary.open_problems.rows)
                                        if summary.open_problems.rows else ["无。"]), ""]
    if summary.truncated:
        lines.append(f"（仅列前{len(summary.open_problems.rows)}个，完整清单见问题台账导出。）")
    return "\n".join(lines) + "\n"
