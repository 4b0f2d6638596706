"""Async factories of the intake service: org units, households with members, and forms that fit them.

People get distinct valid ID numbers from a counter, so a test may create as many as it likes.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from services.intake.households.schemas import HouseholdCreate, HouseholdRead
from services.intake.households.service import (
    create_household as create_household_record,
)
from services.intake.org_units.service import load_org_units, read_org_unit_file
from services.intake.settings import DEMO_ORG_UNITS_FILE
from shared.data.database import AppSession
from shared.runtime.settings import PlatformSettings
from shared.security.crypto import field_cipher
from tests.factories.id_numbers import valid_id_number
from tests.factories.visit_forms import valid_livestock, valid_visit_form

VILLAGE = "500151108201"
TOWNSHIP = "500151108000"
_people = itertools.count(1)
_households = itertools.count(1)


def next_id_number(birth: date | None = None, sex: str = "male") -> str:
    """A valid ID number no other call of this factory returns."""
    n = next(_people)
    birth = birth or date(1970, 1, 1) + timedelta(days=n % 9000)
    return valid_id_number(birth, sex, serial=n % 100, region=f"5001{n // 9000 % 100:02d}")


def member_payload(**overrides: Any) -> dict[str, Any]:
    return {"name": "张德明", "relation": "head", "id_number": next_id_number(date(1972, 4, 18)),
            "labour_capacity": "ordinary"} | overrides


def household_payload(org_code: str = VILLAGE, **overrides: Any) -> dict[str, Any]:
    """A valid POST /intake/households body: a general household of a head and a spouse."""
    return {
        "org_code": org_code,
        "household_number": f"T{next(_households):05d}",
        "group_name": "1社",
        "household_kinds": ["general"],
        "key_target_groups": ["none"],
        "members": [
            member_payload(),
            member_payload(name="李桂兰", relation="spouse", id_number=next_id_number(date(1975, 11, 2), "female")),
        ],
    } | overrides


async def load_demo_org_units(session: AppSession) -> None:
    await load_org_units(session, rows=read_org_unit_file(DEMO_ORG_UNITS_FILE))


async def create_household(session: AppSession, settings: PlatformSettings | None = None,
                           org_code: str = VILLAGE, **overrides: Any) -> HouseholdRead:
    """A household registered through the service (the session's caller must cover ``org_code``)."""
    data = HouseholdCreate.model_validate(household_payload(org_code, **overrides))
    cipher = field_cipher(settings or PlatformSettings(_env_file=None))
    return await create_household_record(session, data=data, cipher=cipher)


def form_member(member: dict | Any, **overrides: Any) -> dict[str, Any]:
    """A form member naming a registered member by its id, with the register's details."""
    get = member.get if isinstance(member, dict) else lambda name: getattr(member, name)
    value = lambda v: getattr(v, "value", v)  # noqa: E731
    entry = {"member_id": str(get("id")), "name": get("name"), "relation": value(get("relation")),
             "labour_capacity": value(get("labour_capacity"))}
    for optional in ("skilled_trade", "weak_reason", "trade_note"):
        if get(optional) is not None:
            entry[optional] = value(get(optional))
    return entry | overrides


def visit_form_for(household: dict | HouseholdRead, **overrides: Any) -> dict[str, Any]:
    """A valid form for a registered household: its kinds, risk status and members."""
    data = household if isinstance(household, dict) else household.model_dump(mode="json")
    form = valid_visit_form(method=overrides.get("method", "home_visit"))
    form.update(household_id=str(data["id"]), household_kinds=data["household_kinds"],
                members=[form_member(m) for m in data["members"]])
    if data.get("risk_status"):
        form["risk_status"] = data["risk_status"]
    if {"poverty_alleviated", "monitored"} & set(data["household_kinds"]):
        form["livestock"] = valid_livestock()  # 附件1 item 6 asks it of these households
    return form | overrides


def set_intake_env(env, **values: str) -> None:
    """Set FANGFAN_INTAKE_<NAME> variables (through a monkeypatch) and drop the cached settings."""
    from services.intake.settings import reset_intake_settings

    for name, value in values.items():
        env.setenv(f"FANGFAN_INTAKE_{name.upper()}", value)
    reset_intake_settings()


async def register_household(system, org: str = VILLAGE, **overrides: Any) -> dict:
    """Register a household (with :func:`household_payload`) through the API as the township's staff."""
    response = await system.client.post("/intake/households", json=household_payload(org, **overrides),
                                        headers=system.headers("town_staff", TOWNSHIP))
    assert response.status_code == 201, response.text
    return response.json()
