"""Demo data of the embedded mode: the demo township's org units and a handful of households.

The ID numbers are generated with valid GB 11643 check characters for people who do not exist;
the names and household numbers are invented. Loading is idempotent: a household already on
record (by village and 户编号) is left as it is.
"""

from __future__ import annotations

from datetime import date

import structlog
from stdnum.cn import ric

from services.intake.households.repository import HouseholdRepository
from services.intake.households.schemas import HouseholdCreate
from services.intake.households.service import create_household
from services.intake.org_units.tasks import load_org_units_at_startup
from shared.runtime.service_runtime import ServiceRuntime
from shared.security.auth import system_principal
from shared.security.crypto import field_cipher

log = structlog.get_logger(__name__)

DEMO_REGION = "500151"
DEMO_LOCATION = (29.8440, 106.0560)


def demo_id_number(birth: date, serial: int, sex: str) -> str:
    """A valid ID number of an invented person of the demo district."""
    body = f"{DEMO_REGION}{birth:%Y%m%d}{serial:02d}{1 if sex == 'male' else 2}"
    return body + ric.calc_check_digit(body + "0")


def _member(name: str, relation: str, birth: date, serial: int, sex: str, labour: str, **extra) -> dict:
    return {"name": name, "relation": relation, "id_number": demo_id_number(birth, serial, sex),
            "labour_capacity": labour, **extra}


DEMO_HOUSEHOLDS: list[dict] = [
    {"org_code": "500151108201", "household_number": "201001", "group_name": "1社", "household_kinds": ["general"],
     "key_target_groups": ["none"], "location": {"latitude": 29.8440, "longitude": 106.0560},
     "members": [_member("张德明", "head", date(1972, 4, 18), 61, "male", "ordinary"),
                 _member("李桂兰", "spouse", date(1975, 11, 2), 62, "female", "ordinary", phone="13812345678"),
                 _member("张小军", "son", date(2010, 6, 1), 63, "male", "none")]},
    {"org_code": "500151108201", "household_number": "201002", "group_name": "2社",
     "household_kinds": ["poverty_alleviated"], "key_target_groups": ["low_income_group"],
     "members": [_member("王秀英", "head", date(1958, 3, 9), 64, "female", "weak", weak_reason="over_60"),
                 _member("王建国", "son", date(1985, 8, 20), 65, "male", "skilled", skilled_trade="electrician")]},
    {"org_code": "500151108201", "household_number": "201003", "group_name": "2社", "household_kinds": ["monitored"],
     "risk_status": "unresolved", "key_target_groups": ["monitored"],
     "members": [_member("刘志华", "head", date(1966, 12, 30), 66, "male", "lost"),
                 _member("陈玉梅", "spouse", date(1968, 5, 14), 67, "female", "ordinary"),
                 _member("刘佳", "daughter", date(2012, 9, 3), 68, "female", "none")]},
    {"org_code": "500151108202", "household_number": "202001", "group_name": "3社", "household_kinds": ["general"],
     "members": [_member("陈大勇", "head", date(1980, 1, 25), 69, "male", "ordinary"),
                 _member("周小红", "spouse", date(1982, 7, 7), 70, "female", "ordinary")]},
    {"org_code": "500151108202", "household_number": "202002", "group_name": "1社",
     "household_kinds": ["poverty_alleviated", "monitored"], "risk_status": "resolved",
     "key_target_groups": ["monitored"],
     "members": [_member("赵春花", "head", date(1950, 2, 11), 71, "female", "none"),
                 _member("赵磊", "grandchild", date(2004, 10, 10), 72, "male", "ordinary", months_in_household=8)]},
    {"org_code": "500151108203", "household_number": "203001", "group_name": "5社",
     "household_kinds": ["poverty_alleviated"], "key_target_groups": ["none"],
     "members": [_member("孙永福", "head", date(1962, 6, 18), 73, "male", "weak", weak_reason="illness"),
                 _member("吴德芳", "spouse", date(1964, 4, 4), 74, "female", "ordinary")]},
]


async def load_demo_data(runtime: ServiceRuntime) -> None:
    """Org units, then each demo household not yet on record (one transaction each)."""
    await load_org_units_at_startup(runtime)
    cipher = field_cipher(runtime.platform)
    created = 0
    for raw in DEMO_HOUSEHOLDS:
        data = HouseholdCreate.model_validate(raw)
        async with runtime.db.transaction(system_principal("intake.demo")) as session:
            if await HouseholdRepository(session).by_number(data.org_code, data.household_number) is not None:
                continue
            await create_household(session, data=data, cipher=cipher)
            created += 1
    log.info("intake_demo_data_loaded", households_created=created)
