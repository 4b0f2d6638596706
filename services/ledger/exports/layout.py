"""The layouts of 附件3 and 附件4: title rows and column headers exactly as the work plan prints them.

Line breaks inside a header cell of the printed template are dropped; the words are the template's,
including its own numbering (附件4 numbers both 问题类型 and 问题描述 "3.").
"""

from __future__ import annotations

from shared.exports import spreadsheet_cell

CATEGORY_HEADER = ("农户类型【监测户（已消除风险）、监测户（未消除风险）、一般脱贫户（监测户之外的其他脱贫户）、"
                   "其他一般农户】")
TYPE_HEADER = ("问题类型（1）户问题：①收入方面、②基本教育、③基本医疗、④住房安全、⑤饮水安全、⑥开发式帮扶、"
               "⑦稳岗就业（尤其是公益性岗位）、⑧风险消除、⑨群众满意度、⑩其他（请注明）（2）乡镇和村级问题："
               "①辖区情况了解；②政策宣传情况；③监测对象识别；④帮扶与风险消除；⑤预警信息处置；⑥书记遍访；"
               "⑦规模性返贫风险；⑧其他（请注明）")

PROBLEM_HEADERS = (
    "序号", "区县", "问题层级（乡镇、村、户）", "乡镇", "村", "1.所在村民小组", "2.户主姓名", f"3.{CATEGORY_HEADER}",
    f"4.{TYPE_HEADER}", "5.问题描述",
    "疑似问题核实情况（①经核实不是问题，不纳入问题整改台账；②经核实确有问题，纳入问题整改台账）", "备注",
)

RECTIFICATION_HEADERS = (
    "序号", "区县", "问题层级（乡镇、村、户）", "乡镇", "村", "1.户主姓名", f"2.{CATEGORY_HEADER}", f"3.{TYPE_HEADER}",
    "3.问题描述", "4.整改措施", "5.责任单位", "6.完成时限", "7.整改推进情况", "8.整改结果", "备注",
)


def problem_title(year: int, campaign_name: str) -> str:
    return f"{year}年“{campaign_name}”行动疑似问题核实台账"


def rectification_title(year: int, campaign_name: str) -> str:
    return f"{year}年“{campaign_name}”行动发现问题整改台账"


# A spreadsheet reads a cell starting with one of these as a formula (or may): CSV/formula injection.
def cell(value: object) -> str | int:
    """A value as the workbook stores it: numbers as numbers, text neutralised against formulas (the one
    rule every export follows, ``shared.exports``)."""
    if isinstance(value, int):
        return value
    return spreadsheet_cell("" if value is None else str(value))
