"""POST /income/reassess: new thresholds give new assessments, never rewrite the old ones, and announce
only the households whose class changed."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from services.income.assessments.models import Assessment
from services.income.assessments.service import recompute
from services.income.reassessments.schemas import ReassessmentCreate
from services.income.reassessments.service import (
    ReassessmentPass,
    finish_reassessment,
    start_reassessment,
)
from services.income.rulesets.service import load_catalog
from shared.data.platform_tables import AuditEntry
from shared.domain.enums import Role
from shared.domain.rulesets import RuleSet
from shared.security.auth import Principal
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.income import (
    amounts_income,
    assessments_of,
    declaration,
    income_events,
    known_household,
    publish_visit,
    raised_2024,
    visit_member,
    visit_submitted,
)

pytestmark = pytest.mark.asyncio

ADMIN = ("district_admin", DISTRICT)


async def store(system, household, amount: str, org: str = VILLAGE) -> dict:
    """A one-member household whose per-capita net income is ``amount`` (a pension), under 2024.1."""
    await known_household(system, org, household)
    response = await system.client.post(
        f"/income/households/{household}/assessments", headers=system.headers("village_cadre", org),
        json={"org_code": org, "year": 2024,
              "declaration": declaration(12, transfer_items=[{"kind": "pension", "amount": amount}])})
    assert response.status_code == 201, response.text
    return response.json()


async def ticked(system, household, bracket: str, below_13000: bool | None = None) -> None:
    income = {"bracket": bracket} | ({"below_13000": below_13000} if below_13000 is not None else {})
    await publish_visit(system, visit_submitted(household_id=household, income=income))
    await system.settle()


async def add_version(system, **overrides) -> None:
    response = await system.client.post("/income/rulesets", json=raised_2024(**overrides),
                                        headers=system.headers(*ADMIN))
    assert response.status_code == 201, response.text


async def run(system, body: dict, role: str = "district_admin", org: str = DISTRICT) -> httpx.Response:
    """Start a reassessment and let its job run; a refused request comes back as it is, an accepted one as
    the job's report."""
    headers = system.headers(role, org)
    response = await system.client.post("/income/reassess", json=body, headers=headers)
    if response.status_code != 202:
        return response
    await system.settle()
    job = (await system.client.get(response.headers["Location"], headers=headers)).json()
    assert job["state"] == "succeeded", job
    return httpx.Response(200, json=job["report"])


async def latest(system, household) -> Assessment:
    return next(a for a in await assessments_of(system, household) if a.is_latest)


async def test_raised_lines_reclassify_and_only_changed_households_are_announced(system):
    # 2024.1: monitoring line 8300, low-income line 13032. 2024.2 raises them to 9000 and 14000.
    now_below, now_low_income, unchanged = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    straddling, wholly_low_income = uuid.uuid4(), uuid.uuid4()
    old = {h: await store(system, h, amount) for h, amount in
           ((now_below, "8800"), (now_low_income, "13500"), (unchanged, "20000"))}
    await ticked(system, straddling, "8300_10000")  # (8300, 10000] straddles the new line 9000
    await ticked(system, wholly_low_income, "12000_16000", below_13000=True)  # already low-income: stays
    events_before = len(await income_events(system))
    await add_version(system)

    response = await run(system, {"year": 2024})

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["examined"], report["reassessed"], report["already_current"]) == (5, 5, 0)
    assert (report["changed"], report["needs_verification"], report["not_covered"]) == (2, 1, 0)
    assert report["org_prefix"] == "500151" and report["finished_at"] is not None
    changes = {c["household_id"]: c for c in report["changes"]}
    assert set(changes) == {str(now_below), str(now_low_income)}
    assert (changes[str(now_below)]["previous_class"], changes[str(now_below)]["income_class"]) == (
        "low_income_group", "below_monitoring_line")
    assert (changes[str(now_low_income)]["previous_class"], changes[str(now_low_income)]["income_class"]) == (
        "above_low_income_line", "low_income_group")
    assert changes[str(now_below)]["previous_assessment_id"] == old[now_below]["id"]

    announced = (await income_events(system))[events_before:]
    assert sorted(e["payload"]["household_id"] for e in announced) == sorted([str(now_below), str(now_low_income)])
    assert {e["payload"]["ruleset_version"] for e in announced} == {"2024.2"}
    by_household = {e["payload"]["household_id"]: e["payload"] for e in announced}
    assert by_household[str(now_below)]["previous_class"] == "low_income_group"
    assert by_household[str(now_below)]["below_monitoring_line"] is True
    assert by_household[str(now_below)]["per_capita_net_income"] == "8800.00"
    assert by_household[str(now_low_income)]["in_low_income_group"] is True

    # The past stands: the 2024.1 rows are untouched but for the latest flag.
    rows = await assessments_of(system, now_below)
    assert [(r.ruleset_version, r.is_latest, r.below_monitoring_line, r.origin) for r in rows] == [
        ("2024.1", False, False, "declaration"), ("2024.2", True, True, "reassessment")]
    assert rows[1].reassessment_id == uuid.UUID(report["id"])
    assert rows[1].inputs == rows[0].inputs and rows[1].member_months == rows[0].member_months
    assert (await latest(system, unchanged)).ruleset_version == "2024.2"
    uncertain = await latest(system, straddling)
    assert (uncertain.classification_certain, uncertain.below_monitoring_line, uncertain.in_low_income_group) == (
        False, False, True)
    assert "straddles the monitoring line 9000.00" in uncertain.explanation
    assert (await latest(system, wholly_low_income)).classification_certain is True


async def test_a_bracket_wholly_under_a_raised_monitoring_line_falls_within_the_range(system):
    household = uuid.uuid4()
    await ticked(system, household, "8300_10000")
    await add_version(system, monitoring_line="10000", brackets=[
        {"code": "8300_10000", "lower_exclusive": "10000", "upper_inclusive": "10001"},
        {"code": "10000_12000", "lower_exclusive": "10001", "upper_inclusive": "12000"},
        {"code": "12000_16000", "lower_exclusive": "12000", "upper_inclusive": "16000"},
        {"code": "16000_20000", "lower_exclusive": "16000", "upper_inclusive": "20000"},
        {"code": "20000_30000", "lower_exclusive": "20000", "upper_inclusive": "30000"},
        {"code": "over_30000", "lower_exclusive": "30000", "upper_inclusive": None}])

    report = (await run(system, {"year": 2024})).json()

    assert report["changed"] == 1 and report["needs_verification"] == 0
    now = await latest(system, household)
    # Read against the bracket as it was ticked under 2024.1: (8300, 10000], all at or under 10000.
    assert (now.bracket, now.below_monitoring_line, now.classification_certain) == ("8300_10000", True, True)
    assert now.previous_class == "low_income_group" and now.income_class == "below_monitoring_line"


async def test_reassessing_again_changes_nothing(system):
    household = uuid.uuid4()
    await store(system, household, "8800")
    await add_version(system)
    await run(system, {"year": 2024})
    events_before = len(await income_events(system))

    again = (await run(system, {"year": 2024})).json()

    assert (again["examined"], again["already_current"], again["reassessed"], again["changed"]) == (1, 1, 0, 0)
    assert len(await assessments_of(system, household)) == 2
    assert len(await income_events(system)) == events_before


async def test_an_explicit_version_and_an_org_prefix_limit_the_run(system):
    here, there = uuid.uuid4(), uuid.uuid4()
    await store(system, here, "8800")
    await store(system, there, "8800", org=OTHER_VILLAGE)
    await add_version(system)

    village_only = (await run(system, {"year": 2024, "org_prefix": VILLAGE, "version": "2024.2"})).json()
    unknown = await run(system, {"year": 2024, "version": "2024.7"})
    bad_prefix = await run(system, {"year": 2024, "org_prefix": "5001511"})

    assert (village_only["examined"], village_only["changed"], village_only["org_prefix"]) == (1, 1, VILLAGE)
    assert (await latest(system, here)).ruleset_version == "2024.2"
    assert (await latest(system, there)).ruleset_version == "2024.1"
    assert unknown.status_code == 422 and unknown.json()["fields"][0]["field"] == "body.version"
    assert bad_prefix.status_code == 422 and bad_prefix.json()["fields"][0]["field"] == "body.org_prefix"
    back = (await run(system, {"year": 2024, "org_prefix": VILLAGE, "version": "2024.1"})).json()
    assert (back["reassessed"], back["changed"]) == (1, 1)  # an explicit older version is honoured too


@pytest.mark.parametrize(
    ("role", "org", "body"),
    [
        ("village_cadre", VILLAGE, {"year": 2024}),
        ("town_staff", TOWNSHIP, {"year": 2024}),
        ("auditor", DISTRICT, {"year": 2024}),
        ("district_admin", DISTRICT, {"year": 2024, "org_prefix": "500152"}),
    ],
)
async def test_only_a_district_admin_reassesses_and_only_within_the_district(system, role, org, body):
    household = uuid.uuid4()
    await store(system, household, "8800")
    await add_version(system)

    response = await run(system, body, role=role, org=org)

    assert response.status_code == 403
    assert len(await assessments_of(system, household)) == 1


async def test_the_changes_endpoint_pages_and_is_scoped(system):
    households = sorted(uuid.uuid4() for _ in range(3))
    for household in households:
        await store(system, household, "8800")
    await store(system, uuid.uuid4(), "50000")  # unchanged: not listed
    await add_version(system)
    report = (await run(system, {"year": 2024})).json()
    headers = system.headers(*ADMIN)

    first = (await system.client.get(f"/income/reassessments/{report['id']}/changes?limit=2", headers=headers)).json()
    rest = (await system.client.get(f"/income/reassessments/{report['id']}/changes?limit=2&after="
                                    f"{first['next_after']}", headers=headers)).json()
    summary = await system.client.get(f"/income/reassessments/{report['id']}", headers=headers)
    village = await system.client.get(f"/income/reassessments/{report['id']}",
                                      headers=system.headers("village_cadre", VILLAGE))

    assert [c["household_id"] for c in first["items"] + rest["items"]] == [str(h) for h in households]
    assert rest["next_after"] is None
    assert summary.json()["changed"] == 3
    assert village.status_code == 404  # a district-wide run belongs to the district
    async with system.runtimes["income"].db.session() as session:
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "income_reassessments")
                                       .order_by(AuditEntry.at))).all()
    assert [a.action for a in audit] == ["create", "update"] and audit[0].org_code == DISTRICT


async def test_small_chunks_cover_every_household_once_and_match_a_full_recomputation(system):
    households = [uuid.uuid4() for _ in range(7)]
    for index, household in enumerate(households):
        visit = visit_submitted(household_id=household, members=[visit_member(12), visit_member(3 + index)],
                                income=amounts_income(wage_income=str(1000 * index)))
        await publish_visit(system, visit)
    await ticked(system, uuid.uuid4(), "over_30000")
    await system.settle()
    await add_version(system)
    admin = Principal(user_id="admin-1", name="区管理员", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)

    db = system.runtimes["income"].db
    async with db.transaction(admin) as session:
        run_row = await start_reassessment(session, principal=admin, request=ReassessmentCreate(year=2024))
        pass_ = ReassessmentPass(run_row, admin, await load_catalog(session))
    seen: list[int] = []
    more = True
    while more:  # each chunk in a transaction of its own, as the job runs them
        async with db.transaction(admin) as session:
            more = await pass_.next_chunk(session, chunk_size=3)
        seen.append(pass_.tally.examined)
    async with db.transaction(admin) as session:
        report = await finish_reassessment(session, run=run_row, tally=pass_.tally, changes=pass_.changes)

    assert (report.examined, report.reassessed) == (8, 8)
    assert seen == [3, 6, 8]
    async with system.runtimes["income"].db.session() as session:
        latest_rows = (await session.scalars(select(Assessment).where(Assessment.is_latest))).all()
        assert await session.scalar(select(func.count()).select_from(Assessment)) == 16
    assert {row.ruleset_version for row in latest_rows} == {"2024.2"}
    new_rules = RuleSet.model_validate(raised_2024())
    for row in latest_rows:
        if row.basis == "bracket":
            continue
        full = recompute(row.basis, row.inputs, new_rules)
        assert (full.per_capita_net_income, full.per_capita_after_compliant_expenses, full.bracket,
                full.below_monitoring_line, full.in_low_income_group) == (
            row.per_capita_net_income, row.per_capita_after_compliant_expenses,
            row.bracket, row.below_monitoring_line, row.in_low_income_group)
        assert row.per_capita_net_income > Decimal(0)


async def test_each_household_gets_the_newest_version_of_its_own_region(system):
    in_township, elsewhere = uuid.uuid4(), uuid.uuid4()
    await store(system, in_township, "8800")
    await store(system, elsewhere, "8800", org="500151101201")
    await add_version(system)  # district 2024.2: line 9000
    await add_version(system, region="500151108", version="2024.1", monitoring_line="8500")  # Xihe's own

    report = (await run(system, {"year": 2024})).json()

    assert (report["reassessed"], report["changed"]) == (2, 1)
    township_row, district_row = await latest(system, in_township), await latest(system, elsewhere)
    assert (township_row.ruleset_region, township_row.ruleset_version) == ("500151108", "2024.1")
    assert township_row.below_monitoring_line is False  # 8800 > 8500
    assert (district_row.ruleset_region, district_row.ruleset_version) == ("500151", "2024.2")
    assert district_row.below_monitoring_line is True  # 8800 ≤ 9000
