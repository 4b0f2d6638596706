"""Known ID numbers and phones go in through every door; none comes out anywhere the system writes.

The test seeds a household whose members have known ID numbers and a phone (also typed into free
text), drives them through a visit, problems, a rectification, a case under notice, a department
warning, refused requests and the exports, then reads everything the run wrote: every row of every
table of every service's database (outbox, inbox, failed events, audit trail, jobs, the records
themselves), every response body, the workbooks and the printable notice, and every log line.
Only the reveal endpoint, which is audited and not called here, may show a clear number.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import text

from services.ledger.campaigns.service import seed_packaged
from shared.security.auth import system_principal
from tests.alerts.conftest import register_department, send, warning_row
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE
from tests.factories.id_numbers import valid_id_number, with_wrong_check_character
from tests.factories.intake import load_demo_org_units, member_payload
from tests.factories.ledger import problems_of, registered_with_visit
from tests.sensitive_output import sensitive_in

pytestmark = pytest.mark.asyncio

HEAD_ID = valid_id_number(date(1968, 3, 12), "male", serial=91)
SPOUSE_ID = valid_id_number(date(1970, 11, 2), "female", serial=92)
PHONE = "13987654321"
KNOWN = (HEAD_ID, SPOUSE_ID, PHONE, with_wrong_check_character(HEAD_ID))


def _texts(response) -> str:
    if response.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return response.text


async def _every_row(system) -> dict[str, str]:
    """Every row of every table of every service's database, as text, by ``service.table``."""
    rows = {}
    for name, runtime in system.runtimes.items():
        async with runtime.db.session(system_principal("tests")) as session:
            tables = (await session.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars().all()
            for table in tables:
                dump = (await session.execute(text(f'SELECT string_agg(t::text, E\'\\n\') FROM "{table}" t'))).scalar()
                rows[f"{name}.{table}"] = dump or ""
    return rows


async def test_no_clear_id_number_or_phone_leaves_through_anything_the_system_writes(system, capsys):
    async with system.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        await load_demo_org_units(session)
    async with system.runtimes["ledger"].db.transaction(system_principal("tests")) as session:
        await seed_packaged(session)
    town = system.headers("town_staff", TOWNSHIP)
    answers = []

    household, _ = await registered_with_visit(system, members=[
        member_payload(name="赵有田", id_number=HEAD_ID, phone=PHONE, remarks=f"本人电话{PHONE}，身份证{HEAD_ID}"),
        member_payload(name="钱秀英", relation="spouse", id_number=SPOUSE_ID)])
    await system.settle()
    # Refused requests that carry the numbers: a duplicate member, a wrong check character, a lookup.
    for body in ({"name": "赵有田", "relation": "son", "id_number": HEAD_ID, "labour_capacity": "ordinary"},
                 {"name": "孙小宝", "relation": "son", "id_number": with_wrong_check_character(HEAD_ID),
                  "labour_capacity": "ordinary", "phone": PHONE + "0"}):
        answers.append(await system.client.post(f"/intake/households/{household['id']}/members", json=body,
                                                headers=town))
    assert {a.status_code for a in answers} <= {409, 422}, [a.text for a in answers]
    answers.append(await system.client.get("/intake/households", params={"id_number": HEAD_ID}, headers=town))
    answers.append(await system.client.get(f"/intake/households/{household['id']}", headers=town))

    problems = await problems_of(system, household["id"])
    answers.append(await system.client.post(f"/ledger/problems/{problems[0]['id']}/verification", headers=town,
                                            json={"result": "confirmed", "measures": f"联系{PHONE}落实",
                                                  "responsible_unit": "西河镇"}))
    [case] = (await system.client.get("/ledger/cases", params={"household_id": household["id"]},
                                      headers=town)).json()["items"]
    for day, transition in enumerate(("apply", "verify", "appraise", "post_notice"), start=6):
        answers.append(await system.client.post(f"/ledger/cases/{case['id']}/steps", headers=town, json={
            "transition": transition, "on": f"2024-09-{day:02d}", "place": "村委会", "note": f"户主{HEAD_ID}"}))

    department = await register_department(system)
    answers.append(await send(system, department["code"], department["secret"], [
        warning_row(HEAD_ID, details=f"住院，电话{PHONE}"),
        warning_row(with_wrong_check_character(SPOUSE_ID))]))
    await system.settle()
    answers.append(await system.client.get("/alerts/warnings", headers=town))

    for url, params in (("/ledger/problems.xlsx", {}), ("/ledger/rectifications.xlsx", {}),
                        ("/ledger/notices/printable", {"village": VILLAGE}), ("/ledger/notices", {"village": VILLAGE}),
                        ("/ledger/problems", {}), ("/ledger/cases", {}), ("/intake/audit", {}),
                        ("/ledger/audit", {}), ("/alerts/audit", {})):
        answer = await system.client.get(url, params=params, headers=system.headers("district_admin", DISTRICT))
        assert answer.status_code == 200, (url, answer.text)
        answers.append(answer)

    leaks = {f"{a.request.method} {a.request.url.path} ({a.status_code})": found for a in answers
             if (found := [k for k in KNOWN if k in _texts(a)])}
    leaks |= {table: found for table, dump in (await _every_row(system)).items()
              if (found := [k for k in KNOWN if k in dump])}
    logged = capsys.readouterr()
    leaks |= {"logs": found for found in [[k for k in KNOWN if k in logged.out + logged.err]] if found}
    assert leaks == {}
    # The numbers did go in: the register holds them (encrypted), and the answers show them masked.
    shown = json.dumps([a.json() for a in answers if a.headers.get("content-type") == "application/json"])
    assert HEAD_ID[:6] + "********" + HEAD_ID[-4:] in shown
    assert sensitive_in(shown) == []
