"""The workbooks open with openpyxl and read exactly as 附件3 and 附件4: title, headers, column order."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.ledger import problems_of, registered_with_visit

pytestmark = pytest.mark.asyncio

TYPES = ("（1）户问题：①收入方面、②基本教育、③基本医疗、④住房安全、⑤饮水安全、⑥开发式帮扶、⑦稳岗就业（尤其是公益性岗位）、"
         "⑧风险消除、⑨群众满意度、⑩其他（请注明）（2）乡镇和村级问题：①辖区情况了解；②政策宣传情况；③监测对象识别；"
         "④帮扶与风险消除；⑤预警信息处置；⑥书记遍访；⑦规模性返贫风险；⑧其他（请注明）")
CATEGORIES = "【监测户（已消除风险）、监测户（未消除风险）、一般脱贫户（监测户之外的其他脱贫户）、其他一般农户】"
ANNEX_3 = ["序号", "区县", "问题层级（乡镇、村、户）", "乡镇", "村", "1.所在村民小组", "2.户主姓名", f"3.农户类型{CATEGORIES}",
           f"4.问题类型{TYPES}", "5.问题描述",
           "疑似问题核实情况（①经核实不是问题，不纳入问题整改台账；②经核实确有问题，纳入问题整改台账）", "备注"]
ANNEX_4 = ["序号", "区县", "问题层级（乡镇、村、户）", "乡镇", "村", "1.户主姓名", f"2.农户类型{CATEGORIES}",
           f"3.问题类型{TYPES}", "3.问题描述", "4.整改措施", "5.责任单位", "6.完成时限", "7.整改推进情况", "8.整改结果",
           "备注"]


def staff(system) -> dict:
    return system.headers("town_staff", TOWNSHIP, name="张三", user_id="u-zhangsan")


async def workbook_rows(system, path: str, headers: dict | None = None, **params) -> list[list]:
    response = await system.client.get(path, params=params, headers=headers or staff(system))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


async def test_the_suspected_problem_ledger_reads_as_annex_3(ledger):
    household, _ = await registered_with_visit(ledger)
    await ledger.settle()
    water = next(p for p in await problems_of(ledger, household["id"]) if p["rule_code"] == "guarantee.water_unsafe")
    verified = await ledger.client.post(f"/ledger/problems/{water['id']}/verification", headers=staff(ledger),
                                        json={"result": "confirmed"})
    assert verified.status_code == 200, verified.text
    manual = await ledger.client.post("/ledger/problems", headers=staff(ledger), json={
        "level": "township", "problem_type": "area_knowledge", "org_code": TOWNSHIP,
        "description": "-分管副镇长不知道体外循环", "remarks": "=HYPERLINK(\"http://x\")"})
    assert manual.status_code == 201, manual.text

    rows = await workbook_rows(ledger, "/ledger/problems.xlsx")
    assert rows[0][0] == "2024年“大走访大排查大整改”行动疑似问题核实台账"
    assert rows[1] == ANNEX_3
    body = rows[2:]
    assert len(body) == 6 and [row[0] for row in body] == [1, 2, 3, 4, 5, 6]
    water_row = next(row for row in body if row[9].endswith("饮水不安全"))
    assert water_row[:9] == [water_row[0], "铜梁区", "户", "西河镇", "石鱼村", "1社", "张德明", "其他一般农户",
                             "⑤饮水安全"]
    assert water_row[10] == "②"
    village_row = next(row for row in body if row[8] == "③监测对象识别")
    assert village_row[2:8] == ["村", "西河镇", "石鱼村", "——", "——", "——"]
    township_row = next(row for row in body if row[8] == "①辖区情况了解")
    assert township_row[2:5] == ["乡镇", "西河镇", "——"]
    assert township_row[9] == "'-分管副镇长不知道体外循环" and township_row[11] == "'=HYPERLINK(\"http://x\")"

    only_water = await workbook_rows(ledger, "/ledger/problems.xlsx", problem_type="water")
    assert [row[8] for row in only_water[2:]] == ["⑤饮水安全"]
    elsewhere = await workbook_rows(ledger, "/ledger/problems.xlsx", ledger.headers("village_cadre", OTHER_VILLAGE))
    assert elsewhere[2:] == []


async def test_the_rectification_ledger_reads_as_annex_4(ledger):
    household, _ = await registered_with_visit(ledger)
    await ledger.settle()
    water = next(p for p in await problems_of(ledger, household["id"]) if p["rule_code"] == "guarantee.water_unsafe")
    verified = (await ledger.client.post(f"/ledger/problems/{water['id']}/verification", headers=staff(ledger),
                                         json={"result": "confirmed", "measures": "接通水厂自来水",
                                               "responsible_unit": "西河镇"})).json()
    base = f"/ledger/rectifications/{verified['rectification_id']}"
    await ledger.client.post(f"{base}/progress", json={"note": "管道已铺设一半"}, headers=staff(ledger))
    done = await ledger.client.post(f"{base}/completion", headers=staff(ledger),
                                    json={"result": "水厂自来水已接通到户", "evidence_refs": ["photo-1.jpg"]})
    assert done.status_code == 200, done.text

    rows = await workbook_rows(ledger, "/ledger/rectifications.xlsx")
    assert rows[0][0] == "2024年“大走访大排查大整改”行动发现问题整改台账"
    assert rows[1] == ANNEX_4
    [row] = rows[2:]
    assert row[:12] == [1, "铜梁区", "户", "西河镇", "石鱼村", "张德明", "其他一般农户", "⑤饮水安全", water["description"],
                        "接通水厂自来水", "西河镇", "2024-09-20"]
    assert row[12].endswith("张三：管道已铺设一半") and row[13] == "水厂自来水已接通到户"
    assert (await workbook_rows(ledger, "/ledger/rectifications.xlsx", status="in_progress"))[2:] == []
    in_scope = await workbook_rows(ledger, "/ledger/rectifications.xlsx", ledger.headers("village_cadre", VILLAGE))
    assert len(in_scope) == 3
