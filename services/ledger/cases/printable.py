"""The printable notice (公示): one self-contained HTML page, no scripts, no external assets."""

from __future__ import annotations

from html import escape

from services.ledger.cases.schemas import Notice

STYLE = """
body { font-family: "SimSun", "Songti SC", serif; margin: 2cm; color: #000; }
h1 { text-align: center; font-size: 22pt; letter-spacing: 0.2em; }
table { width: 100%; border-collapse: collapse; margin-top: 1em; }
th, td { border: 1px solid #000; padding: 0.4em 0.6em; font-size: 12pt; }
p.footer { margin-top: 2em; text-align: right; }
@media print { body { margin: 1cm; } }
"""


def _cell(value: object) -> str:
    return f"<td>{escape(str(value)) if value is not None else '——'}</td>"


def render_notice(notice: Notice, *, village_name: str) -> str:
    """The notice as an HTML page ready to print: head, group, the reason in general words, and the dates."""
    rows = "\n".join(
        "<tr>" + "".join(_cell(v) for v in (n, e.head_name, e.group_name, e.procedure, e.reason,
                                            f"{e.notice_starts_on} 至 {e.notice_ends_on}")) + "</tr>"
        for n, e in enumerate(notice.entries, start=1))
    empty = '<tr><td colspan="6">目前没有正在公示的农户。</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{escape(village_name)} 公示</title><style>{STYLE}</style></head>
<body>
<h1>公　示</h1>
<p>经农户申请（或村级发现）、乡村入户核实、村级民主评议，下列农户拟按程序办理，现予公示。
公示期间如有异议，请向村民委员会或乡镇人民政府反映。</p>
<table>
<thead><tr><th>序号</th><th>户主姓名</th><th>村民小组</th><th>事项</th><th>原因</th><th>公示时间</th></tr></thead>
<tbody>
{rows or empty}
</tbody>
</table>
<p class="footer">{escape(village_name)}<br>{notice.as_of.isoformat()}</p>
</body>
</html>
"""
