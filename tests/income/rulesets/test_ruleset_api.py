"""Rule sets through the API: listing, reading, district admins adding versions, and the start-up seed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.income.rulesets.models import RuleSetRecord
from services.income.rulesets.tasks import seed_rulesets
from shared.data.platform_tables import AuditEntry
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE
from tests.factories.income import brackets, declaration, raised_2024, ruleset_2023

pytestmark = pytest.mark.asyncio


async def create(system, document: dict, role: str = "district_admin", org: str = DISTRICT):
    return await system.client.post("/income/rulesets", json=document, headers=system.headers(role, org))


async def test_every_role_lists_and_reads_the_packaged_rule_set(system):
    listed = await system.client.get("/income/rulesets", headers=system.headers("village_cadre", VILLAGE))
    one = await system.client.get("/income/rulesets/2024/2024.1", headers=system.headers("auditor", DISTRICT))

    assert listed.status_code == 200
    assert [(r["year"], r["region"], r["version"], r["origin"]) for r in listed.json()] == [
        (2024, "500151", "2024.1", "packaged")]
    assert listed.json()[0]["monitoring_line"] == "8300.00"
    body = one.json()
    assert (body["low_income_line"], body["income_year_start"], body["income_year_end"]) == (
        "13032.00", "2023-10-01", "2024-09-30")
    assert [b["code"] for b in body["brackets"]] == ["8300_10000", "10000_12000", "12000_16000", "16000_20000",
                                                     "20000_30000", "over_30000"]
    assert (await system.client.get("/income/rulesets/2024/2024.9",
                                    headers=system.headers("auditor", DISTRICT))).status_code == 404


async def test_district_admin_adds_a_version_that_new_computations_use(system):
    created = await create(system, raised_2024())

    assert created.status_code == 201, created.text
    assert (created.json()["origin"], created.json()["version"]) == ("admin", "2024.2")
    listed = await system.client.get("/income/rulesets?year=2024", headers=system.headers("town_staff", TOWNSHIP))
    assert [r["version"] for r in listed.json()] == ["2024.1", "2024.2"]
    calculation = await system.client.post(
        "/income/calculate", headers=system.headers("village_cadre", VILLAGE),
        json={"year": 2024, "declaration": declaration(12, transfer_items=[{"kind": "pension", "amount": "8800"}])})
    assert calculation.json()["ruleset_version"] == "2024.2"
    assert calculation.json()["below_monitoring_line"] is True  # 8800 ≤ the raised line 9000
    pinned = await system.client.post(
        "/income/calculate", headers=system.headers("village_cadre", VILLAGE),
        json={"year": 2024, "ruleset_version": "2024.1",
              "declaration": declaration(12, transfer_items=[{"kind": "pension", "amount": "8800"}])})
    assert pinned.json()["below_monitoring_line"] is False
    async with system.runtimes["income"].db.session() as session:
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "rule_sets"))).all()
    assert [(a.action, a.org_code, a.actor_role) for a in audit] == [("create", DISTRICT, "district_admin")]


async def test_a_township_version_wins_for_its_villages_only(system):
    township = raised_2024(region="500151108", version="2024.1", monitoring_line="8800")

    assert (await create(system, township)).status_code == 201
    read = await system.client.get("/income/rulesets/2024/2024.1", headers=system.headers("village_cadre", VILLAGE))
    other = await system.client.get("/income/rulesets/2024/2024.1?region=500151",
                                    headers=system.headers("village_cadre", VILLAGE))
    assert read.json()["region"] == "500151108"
    assert other.json()["region"] == "500151"


async def test_versions_are_immutable_a_duplicate_is_409(system):
    assert (await create(system, raised_2024())).status_code == 201
    again = await create(system, raised_2024(monitoring_line="9100"))
    packaged = await create(system, raised_2024(version="2024.1"))

    assert again.status_code == 409 and again.json()["error"] == "Conflict"
    assert packaged.status_code == 409


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"version": "2023.2"}, "body.version"),
        ({"version": "latest"}, "body.version"),
        ({"monitoring_line": "-5"}, "body.monitoring_line"),
        ({"low_income_line": "13032.001"}, "body.low_income_line"),
        ({"income_year_end": "2025-09-30"}, "body.income_year_end"),
        ({"income_year_start": "2024-10-01", "income_year_end": "2024-09-30"}, "body.income_year_end"),
        ({"brackets": brackets("9000")[:-1]}, "body.brackets"),
        ({"brackets": [{**b, "lower_exclusive": "9500"} if b["code"] == "10000_12000" else b
                       for b in brackets("9000")]}, "body.brackets"),
        ({"below_13000_threshold": "100"}, "body.below_13000_threshold"),
        ({"region": "50015"}, "body.region"),
        ({"gps_max_accuracy_m": 0}, "body.gps_max_accuracy_m"),
        ({"unexpected": 1}, "body.unexpected"),
    ],
)
async def test_an_invalid_version_is_422_naming_the_field(system, overrides, field):
    response = await create(system, {**raised_2024(), **overrides})

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"
    assert field in [f["field"] for f in response.json()["fields"]]


@pytest.mark.parametrize(
    ("role", "org", "region"),
    [
        ("town_staff", TOWNSHIP, "500151108"),
        ("village_cadre", VILLAGE, "500151108201"),
        ("auditor", DISTRICT, "500151"),
        ("district_admin", DISTRICT, "500152"),  # another district
        ("district_admin", DISTRICT, ""),  # nationwide: above any district
    ],
)
async def test_only_a_district_admin_adds_and_only_within_the_district(system, role, org, region):
    response = await create(system, raised_2024(region=region), role=role, org=org)

    assert response.status_code == 403
    async with system.runtimes["income"].db.session() as session:
        assert (await session.scalar(select(func.count()).select_from(RuleSetRecord)
                                     .where(RuleSetRecord.origin == "admin"))) == 0


async def test_a_2023_rule_set_added_by_the_admin_serves_that_year(system):
    assert (await create(system, ruleset_2023())).status_code == 201
    result = await system.client.post(
        "/income/calculate", headers=system.headers("village_cadre", VILLAGE),
        json={"year": 2023, "declaration": declaration(12, transfer_items=[{"kind": "pension", "amount": "7600"}])})
    assert (result.json()["ruleset_version"], result.json()["below_monitoring_line"]) == ("2023.1", False)


async def test_startup_seed_copies_the_packaged_file_once(system):
    runtime = system.runtimes["income"]
    await seed_rulesets(runtime)
    await seed_rulesets(runtime)

    async with runtime.db.session() as session:
        rows = (await session.scalars(select(RuleSetRecord))).all()
    assert [(r.year, r.region, r.version, r.origin) for r in rows] == [(2024, "500151", "2024.1", "packaged")]
    listed = await system.client.get("/income/rulesets", headers=system.headers("auditor", DISTRICT))
    assert listed.json()[0]["created_at"] is not None
    assert (await create(system, raised_2024(version="2024.1"))).status_code == 409
