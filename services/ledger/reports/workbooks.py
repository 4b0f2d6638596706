"""The reports as workbooks: a summary sheet, then one sheet per village (xlsxwriter, constant memory).

Rows go to disk as they are written (constant-memory mode, as the ledger exports), one sheet after
the other, and the writing runs in a thread so the process keeps answering while it zips. Chinese
headers; every text cell is neutralised against formulas (``services.ledger.exports.layout.cell``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import xlsxwriter

from services.ledger.exports.layout import cell
from services.ledger.reports.schemas import (
    Checklist,
    Figure,
    ProgressReport,
    UnitProgress,
)

SHEET_NAME_LIMIT = 31
FORBIDDEN = set('[]:*?/\\')
LEVELS = {"district": "区县", "township": "乡镇", "village": "村"}
DETAIL_HEADERS = ["指标", "数值", "总数", "完成率（%）", "时间节点", "清单（API查询）"]


def summary_keys(report: ProgressReport) -> list[tuple[str, str]]:
    """The figures every unit has (by problem type ones vary per unit and go to the unit's own sheet)."""
    first = report.units[0].figures if report.units else []
    return [(f.key, f.label) for f in first if not f.key.startswith("problem_type.")]


def _sheet_name(name: str, code: str, used: set[str]) -> str:
    clean = "".join("_" if ch in FORBIDDEN else ch for ch in name).strip("'") or code
    candidate = clean[:SHEET_NAME_LIMIT]
    if candidate in used:
        candidate = f"{clean[:SHEET_NAME_LIMIT - 13]}_{code}"
    used.add(candidate)
    return candidate


class _Book:
    def __init__(self, target: Path) -> None:
        self.workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_formulas": False,
                                                          "strings_to_urls": False, "strings_to_numbers": False})
        self.bold = self.workbook.add_format({"bold": True})
        self.used: set[str] = set()

    def sheet(self, name: str, code: str, rows: list[list]) -> None:
        sheet = self.workbook.add_worksheet(_sheet_name(name, code, self.used))
        for index, row in enumerate(rows):
            sheet.write_row(index, 0, [_value(v) for v in row], self.bold if index < 2 else None)

    def close(self) -> None:
        self.workbook.close()


def _value(value: object) -> object:
    if isinstance(value, float):
        return value
    return cell(value)


def _figure_row(figure: Figure) -> list:
    return [figure.label, figure.count, figure.total if figure.total is not None else "",
            figure.percent if figure.percent is not None else "",
            figure.due_on.isoformat() if figure.due_on else "", figure.link or ""]


def _unit_rows(title: str, unit: UnitProgress) -> list[list]:
    return [[title], DETAIL_HEADERS, *(_figure_row(f) for f in unit.figures)]


def write_progress(report: ProgressReport, target: Path) -> None:
    book = _Book(target)
    keys = summary_keys(report)
    title = f"{report.org_name} {report.year}年“{report.campaign_name}”行动进度（截至{report.as_of.isoformat()}）"
    rows = [[title], ["单位", "层级", "代码", *(label for _, label in keys)]]
    for unit in report.units:
        by_key = {f.key: f.count for f in unit.figures}
        rows.append([unit.name, LEVELS.get(unit.level, unit.level), unit.org_code,
                     *(by_key.get(key, 0) for key, _ in keys)])
    rows.append([])
    rows.append(["时间节点", "日期"])
    rows += [[phase.label, phase.due_on.isoformat()] for phase in report.phases]
    book.sheet("汇总", "summary", rows)
    for unit in report.units:
        if unit.level == "village":
            book.sheet(unit.name, unit.org_code, _unit_rows(f"{unit.name}（{unit.org_code}）", unit))
    book.close()


def write_checklist(checklists: list[Checklist], target: Path) -> None:
    """附件2 of a township's villages (or of one village): a summary sheet, then one sheet per unit."""
    book = _Book(target)
    first = checklists[0]
    title = f"乡镇（街道）、村（社区）基础信息表及应知应会清单（截至{first.as_of.isoformat()}）"
    basic_labels = [f.label for f in first.basic]
    resident_items = ("resident_households", "resident_population")
    rows = [[title], ["区县", "乡镇", "村", *basic_labels, "常住户数", "常住人口数"]]
    for checklist in checklists:
        answers = {a.item: a.answer for a in checklist.resident}
        rows.append([checklist.district, checklist.township, checklist.village or "——",
                     *(f.count for f in checklist.basic), *(answers.get(item, "") for item in resident_items)])
    book.sheet("汇总", "summary", rows)
    for checklist in checklists:
        name = checklist.village or checklist.township
        detail = [[f"{name}（{checklist.org_code}）"], ["问题", "来源", "数值", "说明", "清单（API查询）"]]
        for item in checklist.items:
            source = {"data": "数据", "village": "村填报"}.get(item.source, item.source)
            if item.figures:
                for figure in item.figures:
                    detail.append([item.question, source, figure.count, figure.label, figure.link or ""])
            else:
                answer = (f"{item.answer.answer}（{item.answer.answered_by_name} {item.answer.answered_at:%Y-%m-%d}）"
                          if item.answer else (item.note or "待村填报"))
                detail.append([item.question, source, "", answer, ""])
        book.sheet(name, checklist.org_code, detail)
    book.close()


async def in_thread(function, *args) -> None:
    await asyncio.to_thread(function, *args)
