"""No caller reads or changes anything of an org outside its own through any route of any service.

The test walks every operation of every service's OpenAPI, so a new route cannot forget the check:

- it builds one world in village 201 of the demo township (a household and its member, a visit, an
  income assessment, ledger problems, a rectification and a case, a matched department warning, a
  deadline and its alerts, a subscription's delivery, and one job, failed event and probe receipt per
  service);
- each operation is called by an outsider holding the least privileged role the route allows, in a
  sibling org (another village, township or district), with the world's ids in its path, the world's
  village in its ``org``/``village`` query and the world's org and household in its request body;
- a route that names the world's objects must answer 403 or 404 and leave the world unchanged; a list
  that names nothing must answer without any of the world's ids;
- as a control that the probe could fail, every GET is repeated by an insider of the same role, which
  must see what the outsider could not.

A route outside every org's scope (reference data, probes, the signed department webhook) is listed in
``UNSCOPED`` with the reason; a route without an object in the world fails the test until one is added.
"""

from __future__ import annotations

import copy
import io
import json
import re
import uuid
import zipfile
from datetime import date, datetime
from typing import Any

import pytest

from services.alerts.deadlines import service as deadlines
from services.alerts.settings import reset_alerts_settings
from services.ledger.campaigns.service import seed_packaged
from shared.data.platform_tables import (
    FailedEvent,
    JobOutput,
    JobRecord,
    JobState,
    ProbeReceipt,
)
from shared.domain.clock import SHANGHAI, clock
from shared.runtime.settings import SERVICE_NAMES
from shared.security.auth import system_principal
from tests.alerts.conftest import register_department, run_schedule, send, warning_row
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.income import (
    amounts_income,
    publish_visit,
    ruleset_2023,
    visit_submitted,
)
from tests.factories.intake import load_demo_org_units, member_payload, next_id_number
from tests.factories.ledger import problems_of, registered_with_visit
from tests.platform.openapi_docs import openapi_documents

pytestmark = pytest.mark.asyncio

OTHER_TOWNSHIP = "500151109000"
OTHER_DISTRICT = "500152000000"
# The least privileged role a route allows is the one that probes it.
ROLE_ORDER = ("village_cadre", "town_staff", "auditor", "district_admin")
INSIDE = {"village_cadre": VILLAGE, "town_staff": TOWNSHIP, "auditor": DISTRICT, "district_admin": DISTRICT}
OUTSIDE = {"village_cadre": OTHER_VILLAGE, "town_staff": OTHER_TOWNSHIP, "auditor": OTHER_DISTRICT,
           "district_admin": OTHER_DISTRICT}
METHODS = ("get", "post", "put", "patch", "delete")

# Routes that belong to no org, and why.
UNSCOPED = {
    ("*", "get", "/healthz"): "a liveness probe",
    ("*", "get", "/readyz"): "a readiness probe",
    ("*", "get", "/metrics"): "process metrics, no org data",
    ("*", "get", "/asyncapi.json"): "the event catalogue",
    ("*", "post", "/events/probe"): "sends a probe event; it carries no org data",
    ("intake", "get", "/org-units"): "the division codes are public reference data",
    ("income", "post", "/calculate"): "a calculator: stores nothing, reads nothing of an org",
    ("income", "get", "/rulesets"): "the rule sets are the same for every org",
    ("income", "post", "/rulesets"): "the rule sets are the same for every org",
    ("income", "get", "/rulesets/{year}/{version}"): "the rule sets are the same for every org",
    ("ledger", "get", "/campaigns"): "a campaign is the whole deployment's",
    ("ledger", "post", "/campaigns"): "a campaign is the whole deployment's",
    ("ledger", "get", "/campaigns/{campaign_id}"): "a campaign is the whole deployment's",
    ("ledger", "patch", "/campaigns/{campaign_id}"): "a campaign is the whole deployment's",
    ("ledger", "get", "/cases/procedure"): "the procedure's table, the same for every org",
    ("ledger", "get", "/rules"): "the rule table, the same for every org",
    ("alerts", "post", "/webhooks/department-warnings"): "a department's signed webhook, no user token",
}

# Routes the generic probe cannot express, and the test that holds them to their scope.
COVERED_ELSEWHERE = {
    ("intake", "post", "/households/import"): "a file of rows: rows outside the caller's scope are refused "
                                              "row by row (tests/intake/imports/test_import_api.py)",
    ("alerts", "post", "/departments"): "registers a department in the caller's own district; department "
                                        "codes are unique across the deployment (tests/alerts/)",
}

# Routes that act on the caller's own scope and name nothing of another: they may succeed, and the test
# checks afterwards (once the jobs they started have run) that the world is intact.
OWN_SCOPE = {("ledger", "post", "/households/rebuild")}

# Request bodies where the OpenAPI example cannot be sent as is (a subscriber's host must resolve here).
BODIES = {
    ("alerts", "post", "/subscriptions"): {"url": "http://127.0.0.1:9/hook", "org_code": TOWNSHIP},
}

# Answers that count rather than list: the world's village is what they must not show an outsider.
AGGREGATES = {("intake", "get", "/coverage"), ("ledger", "get", "/problems/counts"),
              ("ledger", "get", "/reports/progress"), ("ledger", "get", "/reports/progress.xlsx"),
              ("ledger", "get", "/reports/checklist"), ("ledger", "get", "/reports/checklist.xlsx")}
VILLAGE_NAME = "石鱼村"  # the world's village, as the reports name it

# Query values a route requires that the world does not give.
QUERIES = {
    ("income", "get", "/income-drops"): {"year": 2024, "min_drop_percent": "10"},
}

HEAD_NAME = "钟离秋实"
OWNER = "user-scope-owner"  # who submitted the world's jobs: only they download a job's file  # a name nothing else in the test database carries

# What the world's objects are known by: none may appear in an outsider's answer.
MARKER_KEYS = ("household_id", "member_id", "visit_id", "assessment_id", "problem_id", "rectification_id",
               "case_id", "warning_id", "alert_id", "delivery_id", "subscription_id", "job_id", "failure_id",
               "reassessment_id", "department_id", "event_id", "household_number", "head_name", "refused_message_id",
               "plan_id")


def _route_key(service: str, method: str, path: str) -> tuple[str, str, str]:
    return ("*", method, path) if ("*", method, path) in UNSCOPED else (service, method, path)


def _operations(documents: dict[str, dict]) -> list[tuple[str, str, str, dict]]:
    found = []
    for service, document in documents.items():
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if method in METHODS:
                    found.append((service, method, path, operation))
    return found


async def build_world(system) -> dict[str, dict[str, str]]:
    """Objects of every kind in village 201 (and its township and district), by path parameter name."""
    town = system.headers("town_staff", TOWNSHIP)
    head_id_number = next_id_number(date(1972, 4, 18))
    household, _ = await registered_with_visit(system, members=[
        member_payload(name=HEAD_NAME, id_number=head_id_number),
        member_payload(name="李桂兰", relation="spouse", id_number=next_id_number(date(1975, 11, 2), "female"))])
    await system.settle()
    household_id, member = household["id"], household["members"][0]
    visits = (await system.client.get("/intake/visits", params={"household_id": household_id}, headers=town)).json()
    assessments = (await system.client.get(f"/income/households/{household_id}/assessments",
                                           headers=town)).json()
    problems = await problems_of(system, household_id)
    verified = await system.client.post(f"/ledger/problems/{problems[0]['id']}/verification", headers=town,
                                        json={"result": "confirmed", "measures": "接通水厂自来水",
                                              "responsible_unit": "西河镇"})
    assert verified.status_code == 200, verified.text
    cases = (await system.client.get("/ledger/cases", params={"household_id": household_id},
                                     headers=town)).json()["items"]
    assert cases, "a visit with a risk opens an identification case"
    for day, transition in enumerate(("apply", "verify", "appraise", "post_notice"), start=6):
        step = await system.client.post(f"/ledger/cases/{cases[0]['id']}/steps", headers=town,
                                        json={"transition": transition, "on": f"2024-09-{day:02d}", "place": "村委会"})
        assert step.status_code == 200, step.text

    # A 2023 assessment above the 2024 one: the household shows in the income drops.
    ruleset = await system.client.post("/income/rulesets", json=ruleset_2023(),
                                       headers=system.headers("district_admin", DISTRICT))
    assert ruleset.status_code == 201, ruleset.text
    await publish_visit(system, visit_submitted(visited_at="2023-09-05T10:30:00+08:00",
                                                household_id=uuid.UUID(household_id),
                                                income=amounts_income(wage_income="60000")))
    pending = visit_submitted(visited_at="2024-10-15T10:00:00+08:00", household_id=uuid.UUID(household_id))
    await publish_visit(system, pending)  # after the packaged income year: it waits for a rule set
    identified_id, identified_case_id, plan_id = await _identified_with_plan(system)

    department = await register_department(system)
    refused = await send(system, department["code"], department["secret"], [], message_id="msg_scope_refused",
                         sign_with="whsec_" + "A" * 32)
    assert refused.status_code == 401, refused.text
    sent = await send(system, department["code"], department["secret"], warning_row(head_id_number))
    assert sent.status_code == 202, sent.text
    await system.settle()
    warnings = (await system.client.get("/alerts/warnings", headers=town)).json()["items"]
    assert warnings and warnings[0]["household_id"] == household_id, warnings
    checked = await system.client.post(f"/alerts/warnings/{warnings[0]['id']}/check", headers=town,
                                       json={"result": "no_risk", "reason": "已享受医疗救助，无返贫风险"})
    assert checked.status_code == 200, checked.text
    await system.settle()

    async with system.runtimes["alerts"].db.transaction(system_principal("tests")) as session:
        await deadlines.schedule(session, key="rectification:scope", kind="rectification",
                                 subject_type="rectification", subject_id="scope", org_code=VILLAGE,
                                 due=date(2024, 10, 10), source="ledger", basis="campaign 2024 rectification_by",
                                 rule_code="rectification.by_campaign_date",
                                 as_of=datetime(2024, 9, 1, 9, tzinfo=SHANGHAI))
    subscription = await system.client.post("/alerts/subscriptions", headers=town,
                                            json={"url": "http://127.0.0.1:9/hook", "kinds": ["overdue"]})
    assert subscription.status_code == 201, subscription.text
    with clock.frozen(datetime(2024, 10, 11, 9, tzinfo=SHANGHAI)):
        await run_schedule(system, "alerts.scan", date(2024, 10, 11))
        await run_schedule(system, "subscriptions.deliver", date(2024, 10, 11))
    alerts = (await system.client.get("/alerts/alerts", headers=town)).json()["items"]
    deliveries = (await system.client.get("/alerts/subscriptions/deliveries", headers=town)).json()
    assert alerts and deliveries, (alerts, deliveries)

    world: dict[str, dict[str, str]] = {
        "intake": {"household_id": household_id, "member_id": member["id"], "visit_id": visits["items"][0]["id"]},
        "income": {"household_id": household_id, "assessment_id": assessments["years"][0]["assessment"]["id"]},
        # The ledger's household and case are the identified ones: its plan, assessment and follow-up name them.
        "ledger": {"household_id": identified_id, "problem_id": problems[0]["id"], "case_id": identified_case_id,
                   "rectification_id": verified.json()["rectification_id"], "plan_id": plan_id},
        "alerts": {"household_id": household_id, "warning_id": warnings[0]["id"], "alert_id": alerts[0]["id"],
                   "delivery_id": deliveries[0]["id"], "subscription_id": subscription.json()["id"],
                   "department_id": department["id"]},
    }
    reassessment = await system.client.post("/income/reassess", json={"year": 2024},
                                            headers=system.headers("district_admin", DISTRICT))
    assert reassessment.status_code == 202, reassessment.text
    await system.settle()
    job = await system.client.get(f"/income/jobs/{reassessment.json()['job_id']}",
                                  headers=system.headers("district_admin", DISTRICT))
    world["income"]["reassessment_id"] = job.json()["report"]["id"]
    for service in SERVICE_NAMES:
        world[service] |= await _platform_rows(system, service)
        world[service] |= {"household_number": household["household_number"], "head_name": HEAD_NAME}
    world["alerts"]["refused_message_id"] = "msg_scope_refused"
    return world


async def _identified_with_plan(system) -> tuple[str, str, str]:
    """A second household of the village, identified, with its plan, an assessment and what it owes next."""
    town, admin = system.headers("town_staff", TOWNSHIP), system.headers("district_admin", DISTRICT)
    household, _ = await registered_with_visit(system)
    await system.settle()
    [case] = (await system.client.get("/ledger/cases", params={"household_id": household["id"]},
                                      headers=town)).json()["items"]
    for transition, day, headers, extra in (
            ("apply", 6, town, {}), ("verify", 7, town, {}), ("appraise", 8, town, {}), ("post_notice", 9, town, {}),
            ("township_review", 14, town, {}), ("county_approve", 16, admin, {"monitoring_type": "marginal"})):
        step = await system.client.post(f"/ledger/cases/{case['id']}/steps", headers=headers, json={
            "transition": transition, "on": f"2024-09-{day:02d}", "place": "村委会"} | extra)
        assert step.status_code == 200, step.text
    measure = {"type": "development", "content": "安排公益性岗位", "helper_name": "刘志强",
               "helper_unit": "西河镇农业服务中心", "starts_on": "2024-09-20"}
    plan = await system.client.post("/ledger/plans", headers=town, json={
        "case_id": case["id"], "drawn_up_on": "2024-09-20", "helper_name": "刘志强",
        "helper_unit": "西河镇农业服务中心", "measures": [measure]})
    assert plan.status_code == 201, plan.text
    assessed = await system.client.post("/ledger/assessments", headers=town, json={
        "case_id": case["id"], "kind": "yearly", "assessed_on": "2024-10-10", "risk_present": True,
        "conclusion": "继续监测帮扶", "assessor_name": "刘志强", "assessor_unit": "西河镇农业服务中心"})
    assert assessed.status_code == 201, assessed.text
    await system.runtimes["ledger"].jobs.run_untracked("assistance.follow_village", {"village": VILLAGE},
                                                      as_of=date(2025, 4, 1))
    return household["id"], case["id"], plan.json()["id"]


async def _platform_rows(system, service: str) -> dict[str, str]:
    """A job, a failed event and a probe receipt of village 201 in ``service``'s own tables."""
    job = JobRecord(name="scope.probe", params={}, org_code=VILLAGE, progress_unit="rows", created_by=OWNER,
                    state=JobState.SUCCEEDED)
    event_id = uuid.uuid4()
    failure = FailedEvent(event_id=event_id, event_type="platform.probe", consumer="scope", envelope={},
                          error="boom", attempts=3, org_code=VILLAGE)
    receipt = ProbeReceipt(event_id=event_id, origin=service, received_by=service, org_code=VILLAGE)
    async with system.runtimes[service].db.transaction(system_principal("tests")) as session:
        session.add_all([job, failure, receipt])
        await session.flush()
        session.add(JobOutput(job_id=job.id, filename="scope.xlsx", media_type="application/octet-stream", size=2,
                              content=b"PK"))
        await session.flush()
    return {"job_id": str(job.id), "failure_id": str(failure.id), "event_id": str(event_id)}


def _example_body(document: dict, operation: dict) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None:
        return None
    if "example" in media:
        return copy.deepcopy(media["example"])
    schema = media.get("schema", {})
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return copy.deepcopy(schema.get("example", schema.get("examples", [None])[0] if schema.get("examples") else None))


def _into_world(value: Any, ids: dict[str, str]) -> Any:
    """The example with its org codes moved into the world's village (or township) and its ids the world's."""
    if isinstance(value, dict):
        return {key: ids[key] if key in ids else _into_world(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_into_world(item, ids) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\d{12}", value):
        zeros = len(value) - len(value.rstrip("0"))
        return VILLAGE if zeros < 3 else TOWNSHIP if zeros < 6 else DISTRICT
    if isinstance(value, str) and re.fullmatch(r"500151(\d{3})?", value):
        return VILLAGE  # an org-code prefix of the demo district: the world's village, as narrow as it gets
    return value


def _request(service: str, path: str, operation: dict, document: dict, ids: dict[str, str]
             ) -> tuple[str, dict, Any] | str:
    params = re.findall(r"{(\w+)}", path)
    missing = [p for p in params if p not in ids]
    if missing:
        return f"no object in the world for {missing}"
    url = f"/{service}" + path.format(**{p: ids[p] for p in params})
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        if parameter["name"] in ("org", "village"):
            query[parameter["name"]] = VILLAGE
        elif parameter["name"] in ids:
            query[parameter["name"]] = ids[parameter["name"]]
        elif parameter.get("required"):
            schema = parameter.get("schema", {})
            query[parameter["name"]] = parameter.get("example", schema.get("default", (schema.get("examples") or [
                None])[0]))
    body = _example_body(document, operation)
    return url, query, None if body is None else _into_world(body, ids)


def _names_the_world(path: str, query: dict, body: Any) -> bool:
    return "{" in path or bool(query) or body is not None


@pytest.fixture
def loopback_subscribers(monkeypatch):
    """Subscriptions on loopback allowed, deliveries retried at once (the cached settings follow)."""
    monkeypatch.setenv("FANGFAN_ALERTS_SUBSCRIBER_ALLOWED_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("FANGFAN_ALERTS_DELIVERY_BACKOFF_SECONDS", "0")
    reset_alerts_settings()
    yield
    monkeypatch.undo()
    reset_alerts_settings()


async def test_no_route_lets_an_outsider_read_or_change_an_org(system, loopback_subscribers, tmp_path):
    async with system.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        await load_demo_org_units(session)
    async with system.runtimes["ledger"].db.transaction(system_principal("tests")) as session:
        await seed_packaged(session)
    documents = openapi_documents(tmp_path)
    world = await build_world(system)
    markers = {value for ids in world.values() for key, value in ids.items() if key in MARKER_KEYS}
    failures, skipped = [], set()
    for service, method, path, operation in _operations(documents):
        key = _route_key(service, method, path)
        if key in UNSCOPED or key in COVERED_ELSEWHERE:
            skipped.add(key)
            continue
        failures += await _probe(system, service, method, path, operation, documents[service], world[service],
                                 markers)
    assert failures == [], "\n".join(failures)
    # What the outsiders' requests started (jobs of their own scope) has run: the world is as it was.
    await system.settle()
    for service, method, path, operation in _operations(documents):
        if method == "get" and "{" in path and _route_key(service, method, path) not in UNSCOPED:
            url = f"/{service}" + path.format(**world[service])
            seen = await system.client.get(url, headers=system.headers("district_admin", DISTRICT, user_id=OWNER))
            if seen.status_code != 200:
                failures.append(f"after the outsiders: GET {url}: {seen.status_code} {seen.text[:160]}")
    assert failures == [], "\n".join(failures)
    assert skipped == set(UNSCOPED) | set(COVERED_ELSEWHERE), (set(UNSCOPED) | set(COVERED_ELSEWHERE)) - skipped


async def _probe(system, service: str, method: str, path: str, operation: dict, document: dict,
                 ids: dict[str, str], markers: set[str]) -> list[str]:
    route = f"{service}: {method.upper()} {path}"
    roles = [r for r in ROLE_ORDER if r in (operation.get("x-roles") or [])]
    if not roles:
        return [f"{route}: no user role may call it; list it in UNSCOPED with the reason"]
    built = _request(service, path, operation, document, ids)
    if isinstance(built, str):
        return [f"{route}: {built}"]
    url, query, body = built
    body = BODIES.get((service, method, path), body)
    query |= QUERIES.get((service, method, path), {})
    outsider = roles[0]
    answer = await system.client.request(
        method.upper(), url, params=query, content=None if body is None else json.dumps(body, ensure_ascii=False),
        headers=system.headers(outsider, OUTSIDE[outsider]) | {"content-type": "application/json"})
    who = f"{outsider} of {OUTSIDE[outsider]}"
    if (service, method, path) in AGGREGATES:
        markers = markers | {VILLAGE, VILLAGE_NAME}
    if method == "get":
        leaked = sorted(m for m in markers if m in _text(answer))
        if answer.status_code not in (403, 404) and (answer.status_code != 200 or leaked):
            return [f"{route} as {who}: {answer.status_code}, shows {leaked}: {answer.text[:160]}"]
        # The control: the most trusted role inside sees the world through the same request.
        insider = roles[-1]
        control = await system.client.get(url, params=query,
                                          headers=system.headers(insider, INSIDE[insider], user_id=OWNER))
        if control.status_code != 200 or ("{" not in path and not any(m in _text(control) for m in markers)):
            return [f"{route}: the control failed: {insider} of {INSIDE[insider]} got {control.status_code} "
                    f"{control.text[:160]} (the world needs an object it shows)"]
        return []
    if (service, method, path) in OWN_SCOPE and answer.status_code < 300:
        return []
    if answer.status_code in (403, 404):
        return []
    return [f"{route} as {who}: {answer.status_code} {answer.text[:200]}"]


def _text(response) -> str:
    """The response as text; a workbook's (a zip) is the text of its parts."""
    if response.content[:2] != b"PK":
        return response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
