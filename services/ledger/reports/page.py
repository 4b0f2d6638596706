"""The progress page: one self-contained HTML document, charts drawn here as inline SVG.

No script, no stylesheet or font from elsewhere, no external URL: it works on a machine with no
network. It shows figures, names of org units, heads of households on the overdue lists and dates;
never an ID number, a phone, a health detail, a warning's signal or a problem's free-text description.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from services.ledger.reports.schemas import Figure, ProgressReport, UnitProgress

STYLE = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Noto Sans SC",
       "Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei", sans-serif;
       margin: 1.5em; color: #222; max-width: 1400px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 2px solid #2b6cb0; padding-bottom: 0.2em; }
p.meta { color: #555; margin-top: 0; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; margin-top: 0.6em; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: right; }
td { white-space: nowrap; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
th { background: #edf2f7; min-width: 3em; vertical-align: bottom; }
svg { display: block; max-width: 100%; height: auto; margin-bottom: 0.8em; }
.phases td, .phases th { text-align: left; }
.past { color: #c53030; }
svg text { font-family: inherit; }
"""

BAR_WIDTH = 360
ROW_HEIGHT = 26
LABEL_FONT = 13  # px: a CJK character is about as wide as the font is high
NUMBERS_WIDTH = 170


@dataclass(frozen=True)
class OverdueList:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple]


@dataclass(frozen=True)
class Summary:
    """What the summary report holds: the progress, the overdue lists, the problems still open."""

    report: ProgressReport
    overdue: list[OverdueList]
    open_problems: OverdueList
    truncated: bool


def _figure(unit: UnitProgress, key: str) -> Figure | None:
    return next((f for f in unit.figures if f.key == key), None)


def _percent(figure: Figure | None) -> float:
    return figure.percent if figure is not None and figure.percent is not None else 0.0


def bar_chart(title: str, units: list[UnitProgress], key: str, colour: str,
              done_keys: tuple[str, ...] = ()) -> str:
    """Horizontal bars, one per unit: the figure's share of its total, with the numbers written beside.

    The numbers are ``done/total``: the figure's count, or (``done_keys``) the sum of those figures, when
    the figure counts every item and its share is of those done. The label column is as wide as the
    longest unit name, and the drawing scales down (``viewBox``) on a narrow screen.
    """
    label_width = max([len(unit.name) for unit in units] + [4]) * (LABEL_FONT + 1) + 12
    width = label_width + BAR_WIDTH + NUMBERS_WIDTH
    height = ROW_HEIGHT * len(units) + 30
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}">',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for index, unit in enumerate(units):
        y = 28 + index * ROW_HEIGHT
        figure = _figure(unit, key)
        share = _percent(figure)
        bar = round(BAR_WIDTH * min(share, 100.0) / 100.0, 1)
        done = (sum(f.count for k in done_keys if (f := _figure(unit, k)) is not None) if done_keys
                else figure.count if figure is not None else 0)
        numbers = f"{done}/{figure.total}（{share:g}%）" if figure is not None and figure.total else "——"
        parts += [f'<text x="0" y="{y + 15}" font-size="{LABEL_FONT}">{escape(unit.name)}</text>',
                  f'<rect x="{label_width}" y="{y + 2}" width="{BAR_WIDTH}" height="18" fill="#e2e8f0"/>',
                  f'<rect x="{label_width}" y="{y + 2}" width="{bar}" height="18" fill="{colour}"/>',
                  f'<text x="{label_width + BAR_WIDTH + 8}" y="{y + 15}" font-size="12">{escape(numbers)}</text>']
    parts.append("</svg>")
    return "".join(parts)


TABLE_KEYS = ("households", "people", "visited", "key_targets", "key_targets.face_to_face", "problems.suspected",
              "problems.confirmed", "rectifications.in_progress", "rectifications.closed", "rectifications.overdue",
              "cases.overdue", "warnings.received", "warnings.late", "warnings.unchecked")


def _table(headers: tuple[str, ...] | list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{escape('——' if v is None else str(v))}</td>" for v in row) + "</tr>"
                     for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">无</td></tr>'
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def render_progress(report: ProgressReport, overdue: list[OverdueList]) -> str:
    villages = [u for u in report.units if u.level == "village"] or report.units
    first = report.units[0] if report.units else None
    labels = [(_figure(first, key).label if first and _figure(first, key) else key) for key in TABLE_KEYS]
    rows = [[unit.name, *((_figure(unit, key).count if _figure(unit, key) else 0) for key in TABLE_KEYS)]
            for unit in report.units]
    phases = [[p.label, p.due_on.isoformat(),
               f"还有{p.days_left}天" if p.days_left >= 0 else f"已过{-p.days_left}天"] for p in report.phases]
    lists = "\n".join(f"<h2>{escape(item.title)}</h2>{_table(item.headers, [list(r) for r in item.rows])}"
                      for item in overdue)
    title = f"{report.org_name} {report.year}年“{report.campaign_name}”行动进度"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>{escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">截至 {report.as_of.isoformat()}</p>
<h2>时间节点</h2>
<table class="phases"><thead><tr><th>节点</th><th>日期</th><th>距今</th></tr></thead><tbody>
{"".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in phases)}
</tbody></table>
<h2>各村进度</h2>
{bar_chart("走访完成率（已走访户数/户数）", villages, "visited", "#2b6cb0")}
{bar_chart("重点对象入户走访率", villages, "key_targets.face_to_face", "#2f855a")}
{bar_chart("整改完成率（已完成及已销号/整改事项）", villages, "rectifications", "#c05621",
           done_keys=("rectifications.completed", "rectifications.closed"))}
<h2>主要数据</h2>
{_table(["单位", *labels], rows)}
{lists}
</body>
</html>
"""
