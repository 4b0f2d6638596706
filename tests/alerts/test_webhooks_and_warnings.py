"""Department warnings by signed webhook: good, bad, duplicate, replayed and stale messages; matching; the check."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from shared.domain.clock import SHANGHAI, clock
from tests.alerts.conftest import WEBHOOK, register_department, send, warning_row
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE
from tests.factories.intake import household_payload, next_id_number
from tests.factories.ledger import outbox_envelopes

pytestmark = pytest.mark.asyncio

FRIDAY = datetime(2024, 9, 27, 10, 0, tzinfo=SHANGHAI)


async def warnings_of(system, **params) -> list[dict]:
    response = await system.client.get("/alerts/warnings", params=params | {"limit": 500},
                                       headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def refusals(system) -> list[dict]:
    response = await system.client.get("/alerts/webhooks/refusals", headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 200, response.text
    return response.json()


async def registered_household(system) -> tuple[dict, str]:
    payload = household_payload()
    response = await system.client.post("/intake/households", json=payload,
                                        headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    await system.settle()
    return response.json(), payload["members"][0]["id_number"]


async def test_a_batch_stores_its_good_rows_reports_bad_ones_and_ignores_a_department_id_seen_before(alerts):
    department = await register_department(alerts)
    first = warning_row(next_id_number())
    batch = {"warnings": [first, warning_row("50015119700101123"), warning_row(next_id_number(), signal_type="x"),
                          dict(first)]}
    response = await send(alerts, department["code"], department["secret"], batch)
    assert response.status_code == 202, response.text
    receipt = response.json()
    assert (receipt["stored"], receipt["duplicates"]) == (1, 1)
    assert {(e["index"], e["field"]) for e in receipt["rejected"]} == {(1, "id_number"), (2, "signal_type")}
    again = await send(alerts, department["code"], department["secret"], [dict(first)])
    assert again.status_code == 202 and again.json()["duplicates"] == 1 and again.json()["stored"] == 0
    stored = await warnings_of(alerts)
    assert len(stored) == 1 and stored[0]["external_id"] == first["id"]
    number = first["id_number"]
    assert stored[0]["id_number"] == f"{number[:6]}********{number[-4:]}"
    assert number not in (await alerts.client.get(f"/alerts/warnings/{stored[0]['id']}",
                                                  headers=alerts.headers("district_admin", DISTRICT))).text


async def test_bad_signature_stale_timestamp_and_replayed_id_are_refused_recorded_and_change_nothing(alerts):
    department = await register_department(alerts)
    code, secret = department["code"], department["secret"]
    other_secret = (await register_department(alerts, code="mzj-500151", name="民政局"))["secret"]
    good = await send(alerts, code, secret, warning_row(next_id_number()), message_id="msg_once")
    assert good.status_code == 202
    attempts = [
        await send(alerts, code, secret, warning_row(next_id_number()), sign_with=other_secret),
        await send(alerts, code, secret, warning_row(next_id_number()), timestamp=clock.now() - timedelta(minutes=6)),
        await send(alerts, code, secret, warning_row(next_id_number()), timestamp=clock.now() + timedelta(minutes=6)),
        await send(alerts, code, secret, warning_row(next_id_number()), message_id="msg_once"),
        await alerts.client.post(WEBHOOK, params={"department": code}, json=warning_row(next_id_number())),
        await send(alerts, "no-such-department", secret, warning_row(next_id_number())),
    ]
    assert [r.status_code for r in attempts] == [401] * 6
    assert all(r.json()["error"] == "NotAuthenticated" for r in attempts)
    assert len(await warnings_of(alerts)) == 1
    reasons = [r["reason"] for r in await refusals(alerts)]
    assert len(reasons) == 5  # the unknown department's refusal belongs to no unit of this district
    assert any("replay" in r for r in reasons) and any("seconds from the server's time" in r for r in reasons)
    assert any("no webhook-signature matches" in r for r in reasons)


async def test_a_rotated_secret_keeps_working_for_the_overlap_beside_the_new_one(alerts):
    department = await register_department(alerts)
    rotated = await alerts.client.post(f"/alerts/departments/{department['id']}/secret-rotation",
                                       headers=alerts.headers("district_admin", DISTRICT))
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != department["secret"]
    for secret in (department["secret"], new_secret):
        assert (await send(alerts, department["code"], secret, warning_row(next_id_number()))).status_code == 202
    with clock.frozen(clock.now() + timedelta(hours=25)):
        late = await send(alerts, department["code"], department["secret"], warning_row(next_id_number()))
        fresh = await send(alerts, department["code"], new_secret, warning_row(next_id_number()))
    assert (late.status_code, fresh.status_code) == (401, 202)


async def test_a_friday_warning_is_matched_by_blind_index_and_its_check_is_due_the_next_thursday(alerts):
    with clock.frozen(FRIDAY):
        household, number = await registered_household(alerts)
        department = await register_department(alerts)
        response = await send(alerts, department["code"], department["secret"], warning_row(number))
        assert response.status_code == 202, response.text
        [unmatched] = await warnings_of(alerts)
        assert unmatched["state"] == "unmatched"  # the webhook only stores; the worker matches
        await alerts.settle()
    [warning] = await warnings_of(alerts)
    assert warning["household_id"] == household["id"] and warning["org_code"] == VILLAGE
    assert (warning["state"], warning["received_on"], warning["check_due_on"]) == (
        "awaiting_check", "2024-09-27", "2024-10-10")
    deadlines = (await alerts.client.get("/alerts/deadlines", headers=alerts.headers("town_staff", TOWNSHIP))).json()
    assert [(d["key"], d["due_on"], d["unit"], d["amount"]) for d in deadlines["items"]] == [
        (f"warning_check:{warning['id']}", "2024-10-10", "working_days", 5)]


async def test_a_second_warning_of_the_same_household_and_signal_is_grouped_and_owes_no_check(alerts):
    with clock.frozen(FRIDAY):
        _, number = await registered_household(alerts)
        department = await register_department(alerts)
        await send(alerts, department["code"], department["secret"], warning_row(number))
        await alerts.settle()
        await send(alerts, department["code"], department["secret"], warning_row(number))
        await send(alerts, department["code"], department["secret"], warning_row(number, signal_type="job_loss"))
        await alerts.settle()
    states = sorted((w["signal_type"], w["state"]) for w in await warnings_of(alerts))
    assert states == [("high_medical_cost", "awaiting_check"), ("high_medical_cost", "grouped"),
                      ("job_loss", "awaiting_check")]


async def test_a_warning_waits_unmatched_until_intake_announces_the_number_or_staff_match_it(alerts):
    department = await register_department(alerts)
    number = next_id_number()
    await send(alerts, department["code"], department["secret"], warning_row(number))
    await send(alerts, department["code"], department["secret"],
               warning_row(next_id_number(), org_code=TOWNSHIP, signal_type="job_loss"))
    await alerts.settle()
    assert {w["state"] for w in await warnings_of(alerts)} == {"unmatched"}
    payload = household_payload()
    payload["members"][1]["id_number"] = number
    created = await alerts.client.post("/intake/households", json=payload,
                                       headers=alerts.headers("village_cadre", VILLAGE))
    assert created.status_code == 201
    await alerts.settle()
    by_number = {w["id_number"][-4:]: w for w in await warnings_of(alerts)}
    assert by_number[number[-4:]]["household_id"] == created.json()["id"]
    waiting = (await alerts.client.get("/alerts/warnings", params={"state": "unmatched"},
                                       headers=alerts.headers("town_staff", TOWNSHIP))).json()["items"]
    assert len(waiting) == 1  # addressed to the township: its staff see it in the queue
    matched = await alerts.client.post(f"/alerts/warnings/{waiting[0]['id']}/match",
                                       json={"household_id": created.json()["id"]},
                                       headers=alerts.headers("town_staff", TOWNSHIP))
    assert matched.status_code == 200, matched.text
    assert (matched.json()["state"], matched.json()["org_code"]) == ("awaiting_check", VILLAGE)


async def test_a_check_finding_risk_publishes_warning_verified_dated_on_the_receipt_day(alerts):
    with clock.frozen(FRIDAY):
        household, number = await registered_household(alerts)
        department = await register_department(alerts)
        await send(alerts, department["code"], department["secret"], warning_row(number))
        await alerts.settle()
    [warning] = await warnings_of(alerts)
    cadre = alerts.headers("village_cadre", VILLAGE, user_id="user-wangxiaocun")
    no_reason = await alerts.client.post(f"/alerts/warnings/{warning['id']}/check", json={"result": "no_risk"},
                                         headers=cadre)
    assert no_reason.status_code == 422
    with clock.frozen(datetime(2024, 10, 8, 15, 0, tzinfo=SHANGHAI)):
        cadre = alerts.headers("village_cadre", VILLAGE, user_id="user-wangxiaocun")
        checked = await alerts.client.post(f"/alerts/warnings/{warning['id']}/check", json={"result": "risk_found"},
                                           headers=cadre)
        again = await alerts.client.post(f"/alerts/warnings/{warning['id']}/check", json={"result": "no_risk",
                                         "reason": "复核"}, headers=cadre)
    assert checked.status_code == 200, checked.text
    assert again.status_code == 409
    cadre = alerts.headers("village_cadre", VILLAGE)
    [verified] = await outbox_envelopes(alerts, "alerts", types=("warning.verified",))
    assert verified.payload == {
        "warning_id": warning["id"], "household_id": household["id"], "org_code": VILLAGE,
        "received_on": "2024-09-27", "signal_type": "high_medical_cost", "verified_on": "2024-10-08",
        "verified_by": "user-wangxiaocun"}
    deadline = (await alerts.client.get("/alerts/deadlines", headers=cadre)).json()["items"][0]
    assert (deadline["state"], deadline["met_on"], deadline["met_late"]) == ("met", "2024-10-08", False)


async def test_signatures_this_service_makes_verify_with_the_standard_library():
    from services.alerts.webhooks.signatures import signed_headers

    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"type":"alert.raised"}'
    headers = signed_headers(secret, message_id="msg_1", timestamp=datetime.now(SHANGHAI), body=body)
    assert Webhook(secret).verify(body, headers) == {"type": "alert.raised"}
    assert date.today()  # the library checks against the wall clock, which signing used


async def test_oversized_malformed_and_empty_messages_are_refused_whole_and_store_nothing(alerts):
    """Correctly signed, but not a message: too large (413), not JSON, not UTF-8, nested past any reason, or
    holding no warning (422 naming the body). None stores a warning or takes its message id."""
    from services.alerts.webhooks.endpoints import MAX_BODY_BYTES
    from services.alerts.webhooks.signatures import signed_headers

    department = await register_department(alerts)

    async def signed(raw: bytes, message_id: str):
        headers = signed_headers(department["secret"], message_id=message_id, timestamp=clock.now(),
                                 body=raw.decode("utf-8", "replace"))
        return await alerts.client.post(WEBHOOK, params={"department": department["code"]}, content=raw,
                                        headers=headers | {"content-type": "application/json"})

    oversized = await signed(b"[" + b" " * MAX_BODY_BYTES + b"]", "msg_big")
    assert oversized.status_code == 413, oversized.text
    for index, raw in enumerate((b'{"warnings": [', b"[" * 100_000, b"[]", b'{"warnings": []}')):
        refused = await signed(raw, f"msg_bad_{index}")
        assert refused.status_code == 422, (raw[:40], refused.text)
        assert refused.json()["fields"][0]["field"] == "body"
    # Bytes that are not UTF-8 cannot even be checked against a signature: refused as unauthenticated.
    not_text = await signed("[{\"id\": \"\xff\"}]".encode("latin-1"), "msg_not_text")
    assert not_text.status_code == 401 and "not UTF-8" in not_text.json()["detail"]
    assert await warnings_of(alerts) == []
    # A refused message did not use up its id: the department may send it again, well formed.
    resent = await send(alerts, department["code"], department["secret"], warning_row(next_id_number()),
                        message_id="msg_bad_0")
    assert resent.status_code == 202, resent.text
