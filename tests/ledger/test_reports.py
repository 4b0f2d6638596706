"""Progress of a township built through the API: every figure equals what was entered, follows new events,
and the list it links to returns exactly the rows counted; scope is the caller's subtree."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from shared.domain.clock import SHANGHAI, clock
from tests.alerts.conftest import register_department, send, warning_row
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.intake import (
    member_payload,
    next_id_number,
    register_household,
    visit_form_for,
)
from tests.factories.ledger import (
    outbox_envelopes,
    problems_of,
    submit_visit,
    troubled_visit,
)

pytestmark = pytest.mark.asyncio

THIRD_VILLAGE = "500151108203"
MID_CAMPAIGN = datetime(2024, 9, 10, 10, 0, tzinfo=SHANGHAI)
AFTER_RECTIFICATION = datetime(2024, 9, 25, 10, 0, tzinfo=SHANGHAI)


def staff(system) -> dict:
    return system.headers("town_staff", TOWNSHIP, name="张三", user_id="u-zhangsan")


async def progress(system, org: str = TOWNSHIP, headers: dict | None = None) -> dict:
    response = await system.client.get("/ledger/reports/progress", params={"org": org},
                                       headers=headers or staff(system))
    assert response.status_code == 200, response.text
    return response.json()


def figures(report: dict, org_code: str) -> dict[str, dict]:
    unit = next(u for u in report["units"] if u["org_code"] == org_code)
    return {f["key"]: f for f in unit["figures"]}


def counts(report: dict, org_code: str) -> dict[str, int]:
    return {key: f["count"] for key, f in figures(report, org_code).items()}


async def assert_links_return_the_rows_counted(system, report: dict, headers: dict) -> int:
    """Follow every figure's link; the list's total is the figure (people: the households' members)."""
    return await assert_figures_link_their_rows(system, [(unit["org_code"], figure) for unit in report["units"]
                                                         for figure in unit["figures"]], headers)


async def assert_figures_link_their_rows(system, pairs: list[tuple[str, dict]], headers: dict) -> int:
    followed = 0
    for org_code, figure in pairs:
        if True:
            separator = "&" if "?" in figure["link"] else "?"
            response = await system.client.get(f"{figure['link']}{separator}limit=500", headers=headers)
            assert response.status_code == 200, (figure, response.text)
            page = response.json()
            if figure["key"].endswith("people"):
                assert sum(item["member_count"] or 0 for item in page["items"]) == figure["count"], figure
            else:
                assert page["total"] == figure["count"], (org_code, figure, page["total"])
            followed += 1
    return followed


async def township(system) -> dict:
    """Three villages: visits of every method, a key target, a troubled household, a manual township problem."""
    troubled = await register_household(system)
    await submit_visit(system, troubled_visit(troubled))
    online = await register_household(system, key_target_groups=["low_income_group"])
    await submit_visit(system, visit_form_for(online, method="online_inquiry", key_target_groups=["low_income_group"]))
    await register_household(system)  # not visited yet
    key_target = await register_household(system, org=OTHER_VILLAGE, key_target_groups=["new_dibao"])
    await submit_visit(system, visit_form_for(key_target, key_target_groups=["new_dibao"]), org=OTHER_VILLAGE)
    assessed = await register_household(system, org=THIRD_VILLAGE)
    await submit_visit(system, visit_form_for(assessed, method="village_assessment"), org=THIRD_VILLAGE)
    manual = await system.client.post("/ledger/problems", headers=staff(system), json={
        "level": "township", "problem_type": "area_knowledge", "org_code": TOWNSHIP,
        "description": "分管领导对辖区监测对象数量不清楚"})
    assert manual.status_code == 201, manual.text
    await system.settle()
    return {"troubled": troubled, "online": online, "key_target": key_target, "assessed": assessed}


async def test_progress_figures_equal_what_was_entered_and_each_link_lists_exactly_those_rows(ledger):
    with clock.frozen(MID_CAMPAIGN):
        built = await township(ledger)
        water = next(p for p in await problems_of(ledger, built["troubled"]["id"])
                     if p["rule_code"] == "guarantee.water_unsafe")
        verified = await ledger.client.post(f"/ledger/problems/{water['id']}/verification", headers=staff(ledger),
                                            json={"result": "confirmed", "measures": "接通自来水"})
        assert verified.status_code == 200, verified.text
        report = await progress(ledger)

    assert report["org_code"] == TOWNSHIP and report["org_name"] == "西河镇" and report["as_of"] == "2024-09-10"
    assert {p["key"]: p["due_on"] for p in report["phases"]}["visits_confirmed_by"] == "2024-09-12"
    assert [u["org_code"] for u in report["units"]] == [TOWNSHIP, VILLAGE, OTHER_VILLAGE, THIRD_VILLAGE]
    village = counts(report, VILLAGE)
    assert (village["households"], village["people"], village["visited"]) == (3, 6, 2)
    assert (village["visited.home_visit"], village["visited.online_inquiry"], village["visited.village_assessment"]) \
        == (1, 1, 0)
    assert (village["key_targets"], village["key_targets.face_to_face"]) == (1, 0)
    visited = figures(report, VILLAGE)["visited"]
    assert (visited["percent"], visited["due_on"]) == (66.7, "2024-09-12")
    assert village["problems.confirmed"] == 1 and village["rectifications.in_progress"] == 1
    assert village["rectifications.overdue"] == 0 and village["cases.opened"] == 1
    other = counts(report, OTHER_VILLAGE)
    assert (other["households"], other["visited"], other["key_targets"], other["key_targets.face_to_face"]) == \
        (1, 1, 1, 1)
    assert counts(report, THIRD_VILLAGE)["visited.village_assessment"] == 1
    whole = counts(report, TOWNSHIP)
    assert (whole["households"], whole["visited"], whole["key_targets"]) == (5, 4, 2)
    # The township's own problem counts in the township, in no village.
    assert whole["problem_type.township.area_knowledge.suspected"] == 1
    assert all("problem_type.township.area_knowledge.suspected" not in counts(report, v)
               for v in (VILLAGE, OTHER_VILLAGE, THIRD_VILLAGE))
    assert whole["problems.suspected"] == sum(counts(report, v)["problems.suspected"]
                                              for v in (VILLAGE, OTHER_VILLAGE, THIRD_VILLAGE)) + 1
    with clock.frozen(MID_CAMPAIGN):
        assert await assert_links_return_the_rows_counted(ledger, report, staff(ledger)) > 100


async def test_progress_follows_new_events_and_deadlines(ledger):
    with clock.frozen(MID_CAMPAIGN):
        built = await township(ledger)
        before = counts(await progress(ledger), VILLAGE)
        late = await register_household(ledger)
        await submit_visit(ledger, visit_form_for(late, method="home_visit"))
        await submit_visit(ledger, visit_form_for(built["online"], method="home_visit",
                                                  key_target_groups=["low_income_group"],
                                                  visited_at="2024-09-08T15:00:00+08:00"))
        await ledger.settle()
        water = next(p for p in await problems_of(ledger, built["troubled"]["id"])
                     if p["rule_code"] == "guarantee.water_unsafe")
        await ledger.client.post(f"/ledger/problems/{water['id']}/verification", headers=staff(ledger),
                                 json={"result": "confirmed"})
        after = counts(await progress(ledger), VILLAGE)
    assert after["households"] == before["households"] + 1
    assert after["visited"] == before["visited"] + 1
    assert after["visited.home_visit"] == before["visited.home_visit"] + 2
    assert after["visited.online_inquiry"] == before["visited.online_inquiry"] - 1
    assert after["key_targets.face_to_face"] == before["key_targets.face_to_face"] + 1
    with clock.frozen(AFTER_RECTIFICATION):
        overdue = await progress(ledger)
        assert counts(overdue, VILLAGE)["rectifications.overdue"] == 1
        assert counts(overdue, TOWNSHIP)["rectifications.overdue"] == 1
        await assert_links_return_the_rows_counted(ledger, overdue, staff(ledger))


async def household_with_number(system, org: str = VILLAGE) -> tuple[dict, str]:
    number = next_id_number()
    household = await register_household(system, org=org, members=[
        member_payload(id_number=number), member_payload(name="李桂兰", relation="spouse")])
    return household, number


async def check(system, warning_id: str, day: datetime, org: str = VILLAGE) -> None:
    with clock.frozen(day):
        response = await system.client.post(f"/alerts/warnings/{warning_id}/check", json={"result": "risk_found"},
                                            headers=system.headers("village_cadre", org))
    assert response.status_code == 200, response.text


async def test_warnings_are_counted_as_received_and_checked_on_time_or_late(ledger):
    with clock.frozen(MID_CAMPAIGN):
        households = [await household_with_number(ledger, org) for org in (VILLAGE, VILLAGE, OTHER_VILLAGE)]
        await ledger.settle()
        department = await register_department(ledger)
        response = await send(ledger, department["code"], department["secret"],
                              [warning_row(number) for _, number in households])
        assert response.status_code == 202, response.text
        await ledger.settle()
        listed = (await ledger.client.get("/alerts/warnings", headers=staff(ledger))).json()["items"]
        by_household = {w["household_id"]: w for w in listed}
        report = await progress(ledger)
    assert counts(report, TOWNSHIP)["warnings.received"] == 0  # addressed to the district until checked
    with clock.frozen(MID_CAMPAIGN):
        district = await progress(ledger, DISTRICT, headers=ledger.headers("district_admin", DISTRICT))
    assert counts(district, DISTRICT)["warnings.received"] == 3
    assert counts(district, DISTRICT)["warnings.unchecked"] == 3

    first, second, third = (by_household[h["id"]]["id"] for h, _ in households)
    await check(ledger, first, datetime(2024, 9, 11, 9, 0, tzinfo=SHANGHAI))
    await check(ledger, second, datetime(2024, 10, 21, 9, 0, tzinfo=SHANGHAI))
    await check(ledger, third, datetime(2024, 9, 12, 9, 0, tzinfo=SHANGHAI), org=OTHER_VILLAGE)
    await ledger.settle()
    announced = await outbox_envelopes(ledger, "alerts", types=("warning.checked",))
    assert sorted((e.payload["checked_on"], e.payload["check_due_on"], e.payload["late"]) for e in announced) == [
        ("2024-09-11", "2024-09-18", False), ("2024-09-12", "2024-09-18", False), ("2024-10-21", "2024-09-18", True)]
    with clock.frozen(AFTER_RECTIFICATION):
        report = await progress(ledger)
        village, other, whole = counts(report, VILLAGE), counts(report, OTHER_VILLAGE), counts(report, TOWNSHIP)
        assert (village["warnings.received"], village["warnings.on_time"], village["warnings.late"]) == (2, 1, 1)
        assert (other["warnings.received"], other["warnings.on_time"], other["warnings.unchecked"]) == (1, 1, 0)
        assert (whole["warnings.received"], whole["warnings.on_time"], whole["warnings.late"]) == (3, 2, 1)
        await assert_links_return_the_rows_counted(ledger, report, staff(ledger))


async def test_a_report_outside_your_unit_is_refused(ledger):
    with clock.frozen(MID_CAMPAIGN):
        cadre = ledger.headers("village_cadre", VILLAGE)
        for org in (TOWNSHIP, OTHER_VILLAGE, DISTRICT):
            response = await ledger.client.get("/ledger/reports/progress", params={"org": org}, headers=cadre)
            assert response.status_code == 403, response.text
        own = await progress(ledger, VILLAGE, headers=cadre)
        assert [u["org_code"] for u in own["units"]] == [VILLAGE]
        bad = await ledger.client.get("/ledger/reports/progress", params={"org": "500151108999x"}, headers=cadre)
        assert bad.status_code == 422


ID_NUMBER = re.compile(r"\d{17}[\dXx]")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
HEALTH = ("因病", "因残", "医疗", "疾病", "残疾", "illness", "disability", "high_medical_cost", "住院")


async def test_the_page_opens_from_a_short_lived_link_draws_its_charts_and_holds_nothing_sensitive(ledger):
    with clock.frozen(MID_CAMPAIGN):
        built = await township(ledger)
        for problem in await problems_of(ledger, built["troubled"]["id"]):
            if problem["level"] == "household":
                await ledger.client.post(f"/ledger/problems/{problem['id']}/verification", headers=staff(ledger),
                                         json={"result": "confirmed"})
    with clock.frozen(AFTER_RECTIFICATION):
        made = await ledger.client.post("/ledger/reports/progress/page-link", headers=staff(ledger))
        assert made.status_code == 200, made.text
        url = made.json()["path"]
        assert url.startswith("/ledger/reports/progress.html?link=") and made.json()["url"].endswith(url)
        page = await ledger.client.get(url)  # a browser: no Authorization header
        assert page.status_code == 200, page.text
        with_header = await ledger.client.get("/ledger/reports/progress.html", headers=staff(ledger))
        assert with_header.status_code == 200
        assert (await ledger.client.get("/ledger/reports/progress.html")).status_code == 401
        assert (await ledger.client.get(url + "x")).status_code == 401
    html = page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "no-store" in page.headers["cache-control"]
    assert html.count("<svg") == 3 and "<script" not in html
    assert "0/3（0%）" in html  # rectification: items done of the items, not the items of themselves
    assert 'viewBox="0 0 ' in html and '"Noto Sans CJK SC"' in html and '"Microsoft YaHei"' in html
    for name in ("石鱼村", "永胜村", "团结村", "走访完成率", "整改逾期未完成"):
        assert name in html
    assert built["troubled"]["members"][0]["name"] in html  # the overdue list names the head
    assert "http:" not in html and "https:" not in html and 'src="//' not in html
    assert not ID_NUMBER.search(html) and not PHONE.search(html)
    assert not [word for word in HEALTH if word in html]
    with clock.frozen(AFTER_RECTIFICATION + timedelta(minutes=11)):
        assert (await ledger.client.get(url)).status_code == 401
    with clock.frozen(MID_CAMPAIGN):
        cadre = ledger.headers("village_cadre", VILLAGE)
        refused = await ledger.client.post("/ledger/reports/progress/page-link", params={"org": TOWNSHIP},
                                           headers=cadre)
        assert refused.status_code == 403


async def test_the_progress_workbook_has_a_summary_sheet_and_one_sheet_per_village_with_the_same_figures(ledger):
    with clock.frozen(MID_CAMPAIGN):
        await township(ledger)
        report = await progress(ledger)
        response = await ledger.client.get("/ledger/reports/progress.xlsx", params={"org": TOWNSHIP},
                                           headers=staff(ledger))
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["汇总", "石鱼村", "永胜村", "团结村"]
    rows = [list(row) for row in book["汇总"].iter_rows(values_only=True)]
    assert rows[0][0].startswith("西河镇 2024年“大走访大排查大整改”行动进度")
    assert rows[1][:5] == ["单位", "层级", "代码", "户数", "人数"]
    for unit in report["units"]:
        row = next(r for r in rows[2:] if r[2] == unit["org_code"])
        expected = {f["label"]: f["count"] for f in unit["figures"] if not f["key"].startswith("problem_type.")}
        assert dict(zip(rows[1][3:], row[3:], strict=False)) == expected
    detail = [list(row) for row in book["石鱼村"].iter_rows(values_only=True)]
    assert detail[1] == ["指标", "数值", "总数", "完成率（%）", "时间节点", "清单（API查询）"]
    village = figures(report, VILLAGE)
    visited = next(r for r in detail if r[0] == "已走访户数")
    assert visited[1:] == [village["visited"]["count"], village["visited"]["total"], village["visited"]["percent"],
                           "2024-09-12", village["visited"]["link"]]
    assert len(detail) == 2 + len(village)


async def test_the_summary_report_opens_in_word_and_reads_the_same_as_markdown(ledger):
    with clock.frozen(MID_CAMPAIGN):
        built = await township(ledger)
        water = next(p for p in await problems_of(ledger, built["troubled"]["id"])
                     if p["rule_code"] == "guarantee.water_unsafe")
        await ledger.client.post(f"/ledger/problems/{water['id']}/verification", headers=staff(ledger),
                                 json={"result": "confirmed"})
    with clock.frozen(AFTER_RECTIFICATION):
        report = await progress(ledger)
        word = await ledger.client.get("/ledger/reports/summary", headers=staff(ledger))
        markdown = await ledger.client.get("/ledger/reports/summary", params={"format": "md"},
                                           headers=staff(ledger))
        accepted = await ledger.client.get("/ledger/reports/summary",
                                           headers=staff(ledger) | {"Accept": "text/markdown"})
    assert word.status_code == 200, word.text
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = Document(io.BytesIO(word.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "西河镇2024年“大走访大排查大整改”行动总结报告" in text
    assert "于2024-09-20前报送" in text and "全镇共有农户" in text
    whole = counts(report, TOWNSHIP)
    assert f"共有农户{whole['households']}户{whole['people']}人，已走访{whole['visited']}户" in text
    assert f"其中逾期{whole['rectifications.overdue']}项" in text and whole["rectifications.overdue"] == 1
    # No warning was late: that list is the word 无 rather than a table.
    phases, villages, visits_chart, rectification_chart, late_items, late_cases, still_open = document.tables
    assert "无。" in text and len(late_cases.rows) == 1 + whole["cases.overdue"]
    assert [row.cells[0].text for row in villages.rows] == ["村", "石鱼村", "永胜村", "团结村"]
    assert [c.text for c in villages.rows[1].cells][:3] == ["石鱼村", "3", "2"]
    assert visits_chart.rows[0].cells[0].text == "石鱼村" and visits_chart.rows[0].cells[-1].text == "66.7%"
    assert len(late_items.rows) == 2 and late_items.rows[1].cells[2].text == "⑤饮水安全"
    open_types = {row.cells[2].text for row in still_open.rows[1:]}
    assert "⑤饮水安全" in open_types and "①辖区情况了解" in open_types
    all_text = text + "".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert not ID_NUMBER.search(all_text) and not PHONE.search(all_text)
    assert not [word_ for word_ in HEALTH if word_ in all_text]

    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert accepted.text == markdown.text
    md = markdown.text
    assert md.startswith("# 西河镇2024年“大走访大排查大整改”行动总结报告")
    assert f"共有农户{whole['households']}户" in md and "| 石鱼村 | 3 | 2 |" in md
    assert "### 整改逾期未完成" in md and "█" in md


async def test_the_checklist_answers_from_the_data_what_it_can_and_records_what_only_the_village_knows(ledger):
    with clock.frozen(MID_CAMPAIGN):
        await township(ledger)
        monitored = await register_household(ledger, household_kinds=["poverty_alleviated", "monitored"],
                                             risk_status="unresolved")
        await submit_visit(ledger, troubled_visit(monitored))
        await register_household(ledger, household_kinds=["poverty_alleviated"])
        await ledger.settle()
        cadre = ledger.headers("village_cadre", VILLAGE, name="王小村", user_id="u-wangxiaocun")
        recorded = await ledger.client.post("/ledger/reports/checklist/answers", headers=cadre,
                                            json={"org_code": VILLAGE, "item": "resident_households",
                                                  "answer": "380"})
        assert recorded.status_code == 200, recorded.text
        leaflets = await ledger.client.post("/ledger/reports/checklist/answers", headers=cadre, json={
            "org_code": VILLAGE, "item": "leaflets", "answer": "两类明白纸已发放到户"})
        assert leaflets.status_code == 200, leaflets.text
        refusals = [
            (403, {"org_code": OTHER_VILLAGE, "item": "leaflets", "answer": "已发放"}),
            (422, {"org_code": VILLAGE, "item": "resident_population", "answer": "约九百"}),
            (422, {"org_code": VILLAGE, "item": "counts_known", "answer": "清楚"}),
            (422, {"org_code": DISTRICT, "item": "leaflets", "answer": "已发放"}),
        ]
        for status, body in refusals:
            response = await ledger.client.post("/ledger/reports/checklist/answers", headers=cadre, json=body)
            assert response.status_code == status, (body, response.text)
        corrected = await ledger.client.post("/ledger/reports/checklist/answers", headers=staff(ledger),
                                             json={"org_code": VILLAGE, "item": "resident_households",
                                                   "answer": "381"})
        assert corrected.status_code == 200, corrected.text
        again = await ledger.client.post("/ledger/reports/checklist/answers", headers=cadre,
                                         json={"org_code": VILLAGE, "item": "resident_households", "answer": "380"})
        assert again.json()["answered_by_name"] == "王小村"
        response = await ledger.client.get("/ledger/reports/checklist", params={"org": VILLAGE}, headers=cadre)
        assert response.status_code == 200, response.text
        sheet = response.json()
        township_sheet = (await ledger.client.get("/ledger/reports/checklist", params={"org": TOWNSHIP},
                                                  headers=staff(ledger))).json()
        outside = await ledger.client.get("/ledger/reports/checklist", params={"org": TOWNSHIP}, headers=cadre)
        assert outside.status_code == 403
        pairs = [(sheet["org_code"], f) for f in sheet["basic"]] + [
            (sheet["org_code"], f) for item in sheet["items"] for f in item["figures"]] + [
            (township_sheet["org_code"], f) for item in township_sheet["items"] for f in item["figures"]]
        assert await assert_figures_link_their_rows(ledger, pairs, staff(ledger)) > 20
        workbook = await ledger.client.get("/ledger/reports/checklist.xlsx", params={"org": TOWNSHIP},
                                           headers=staff(ledger))

    assert (sheet["district"], sheet["township"], sheet["village"]) == ("铜梁区", "西河镇", "石鱼村")
    assert {f["key"]: f["count"] for f in sheet["basic"]} == {"households": 5, "people": 10}
    [resident] = sheet["resident"]
    assert (resident["item"], resident["answer"], resident["answered_by_name"]) == ("resident_households", "380",
                                                                                     "王小村")
    items = {item["code"]: item for item in sheet["items"]}
    assert len(items) == 16
    known = {f["key"]: f["count"] for f in items["counts_known"]["figures"]}
    assert (known["poverty_alleviated"], known["monitored"], known["monitored.people"]) == (2, 1, 2)
    unresolved = {f["key"]: f["count"] for f in items["unresolved"]["figures"]}
    assert unresolved == {"unresolved": 1, "unresolved.excluding_no_labour": 1, "unresolved.no_labour": 0,
                          "unresolved.illness": 1}
    assert items["leaflets"]["source"] == "village"
    assert items["leaflets"]["answer"]["answer"] == "两类明白纸已发放到户"
    assert items["secretary_visits"]["answer"] is None
    assert {item["source"] for item in items.values()} == {"data", "village"}
    assert {code for code, item in items.items() if item["source"] == "village"} == {
        "leaflets", "secretary_visits", "systemic_risk"}
    assert all(item["figures"] for item in items.values() if item["source"] == "data")
    assert {f["key"]: f["count"] for f in items["identification_15_days"]["figures"]} == {"cases.overdue": 0}
    whole = {f["key"]: f["count"] for f in township_sheet["basic"]}
    assert whole == {"households": 7, "people": 14} and township_sheet["village"] is None

    assert workbook.status_code == 200, workbook.text
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert book.sheetnames == ["汇总", "西河镇", "石鱼村", "永胜村", "团结村"]
    summary_rows = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    assert summary_rows[1] == ["区县", "乡镇", "村", "总户数（户籍）", "总人口数（户籍）", "常住户数", "常住人口数"]
    assert summary_rows[3] == ["铜梁区", "西河镇", "石鱼村", 5, 10, "380", None]
    detail = [list(r) for r in book["石鱼村"].iter_rows(values_only=True)]
    assert detail[1] == ["问题", "来源", "数值", "说明", "清单（API查询）"]
    assert any(r[1] == "村填报" and r[3].startswith("两类明白纸已发放到户（王小村") for r in detail[2:])
    assert any(r[1] == "数据" and r[3] == "超过时限制定的帮扶计划" and r[4].startswith("/ledger/plans?")
               for r in detail[2:])


async def checklist_of(system, org: str, headers: dict) -> tuple[dict, dict[str, dict[str, int]]]:
    response = await system.client.get("/ledger/reports/checklist", params={"org": org}, headers=headers)
    assert response.status_code == 200, response.text
    sheet = response.json()
    return sheet, {item["code"]: {f["key"]: f["count"] for f in item["figures"]} for item in sheet["items"]}


async def test_the_checklist_answers_plans_labour_and_yearly_assessments_from_the_data_with_their_lists(ledger):
    """Five identified households (the register still says 一般农户): a plan drawn up late, one without a
    development measure, two whole households without labour (one covered), one without a plan."""
    from tests.ledger.test_assistance import (
        DEVELOPMENT,
        PROTECTIVE,
        assessment,
        daily_scan,
        identified,
        no_labour_members,
        on,
        plan_body,
        post_plan,
    )
    from tests.ledger.test_cases import cadre

    late, late_case = await identified(ledger)
    _, no_development_case = await identified(ledger)
    _, uncovered_case = await identified(ledger, members=no_labour_members())
    _, covered_case = await identified(ledger, members=no_labour_members())
    unplanned, _ = await identified(ledger)
    with on("2024-09-20"):
        await post_plan(ledger, plan_body(no_development_case, measures=[PROTECTIVE]))
        await post_plan(ledger, plan_body(uncovered_case, measures=[DEVELOPMENT]))
        await post_plan(ledger, plan_body(covered_case, measures=[PROTECTIVE]))
    with on("2024-09-28"):
        await post_plan(ledger, plan_body(late_case, drawn_up_on="2024-09-28"))
    await ledger.settle()

    with on("2024-09-30"):
        sheet, items = await checklist_of(ledger, VILLAGE, staff(ledger))
        township_sheet, township_items = await checklist_of(ledger, TOWNSHIP, staff(ledger))
        pairs = [(sheet["org_code"], f) for item in sheet["items"] for f in item["figures"]] + [
            (township_sheet["org_code"], f) for item in township_sheet["items"] for f in item["figures"]]
        assert await assert_figures_link_their_rows(ledger, pairs, staff(ledger)) > 40
        listed = (await ledger.client.get("/ledger/households", headers=staff(ledger),
                                          params={"org": VILLAGE, "category": "monitored_unresolved"})).json()
        by_register = (await ledger.client.get("/ledger/households", headers=staff(ledger),
                                               params={"org": VILLAGE, "kind": "monitored"})).json()
        missing = (await ledger.client.get("/ledger/cases", headers=staff(ledger),
                                           params={"org": VILLAGE, "plan_overdue": "true"})).json()
    with on("2024-09-25"):
        _, before_due = await checklist_of(ledger, VILLAGE, staff(ledger))

    assert items["plans_10_days"] == {"plans.late": 1, "unplanned.missing_overdue": 1}
    assert before_due["plans_10_days"]["unplanned.missing_overdue"] == 0  # its plan is due on the 26th
    assert [c["household_id"] for c in missing["items"]] == [unplanned["id"]]
    assert items["one_plan_one_helper"] == {"unplanned.missing": 1}
    assert items["development_measure"]["monitored.has_labour"] == 3
    assert items["development_measure"]["plans.no_development_measure"] == 1
    assert items["no_labour_protected"] == {"monitored.no_labour": 2, "plans.no_labour.covered": 1,
                                            "plans.no_labour.uncovered": 1}
    # The 农户类型 the cases decided, not the register's 一般农户: as GET /ledger/households shows it.
    assert (items["counts_known"]["monitored"], items["counts_known"]["poverty_alleviated"]) == (5, 0)
    assert (items["unresolved"]["unresolved"], items["unresolved"]["unresolved.no_labour"],
            items["unresolved"]["unresolved.excluding_no_labour"]) == (5, 2, 3)
    assert listed["total"] == 5 and {h["category"] for h in listed["items"]} == {"monitored_unresolved"}
    assert late["id"] in {h["household_id"] for h in listed["items"]} and by_register["total"] == 0
    assert township_items["plans_10_days"] == items["plans_10_days"]
    assert all(sheet_item["source"] == "data" for sheet_item in sheet["items"]
               if sheet_item["code"] in {"plans_10_days", "development_measure", "one_plan_one_helper",
                                         "risk_assessment_yearly", "no_labour_protected"})

    await daily_scan(ledger, "2025-03-17")  # half a year after approval: each case owes a yearly assessment
    with on("2025-09-10"):
        recorded = await ledger.client.post("/ledger/assessments", json=assessment(late_case, "2025-09-10"),
                                            headers=cadre(ledger))
        assert recorded.status_code == 201, recorded.text
        _, in_time = await checklist_of(ledger, VILLAGE, staff(ledger))
    with on("2025-09-20"):
        sheet, items = await checklist_of(ledger, VILLAGE, staff(ledger))
        pairs = [(sheet["org_code"], f) for item in sheet["items"] if item["code"] == "risk_assessment_yearly"
                 for f in item["figures"]]
        assert await assert_figures_link_their_rows(ledger, pairs, staff(ledger)) == 2
    assert in_time["risk_assessment_yearly"] == {"follow_ups.owed": 5, "follow_ups.overdue": 0}
    assert items["risk_assessment_yearly"] == {"follow_ups.owed": 5, "follow_ups.overdue": 4}
