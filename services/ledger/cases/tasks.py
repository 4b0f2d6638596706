"""Event handlers of cases: a risk found on a visit, income below the line or a warning opens an identification;
a closed case sets the household's monitoring status.

Whether a household is an unresolved monitoring object is read with the status its cases decided
(:mod:`services.ledger.cases.monitoring`) before the register's, so a household whose risk was
eliminated gets a new identification (风险再标注) from a new risk, and one just identified gets none.
"""

from __future__ import annotations

import structlog

from services.ledger.cases.monitoring import follow
from services.ledger.cases.repository import MonitoringRepository
from services.ledger.cases.schemas import CaseSource
from services.ledger.cases.service import open_identification
from services.ledger.households.repository import HouseholdViewRepository
from services.ledger.households.service import ledger_category
from services.ledger.rectifications.service import workday_calendar
from shared.data.database import AppSession
from shared.domain.clock import shanghai_date
from shared.domain.enums import LedgerHouseholdCategory
from shared.events.contracts.alerts import WarningVerified
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import VisitSubmitted
from shared.events.contracts.ledger import CaseClosed
from shared.events.envelope import Envelope
from shared.runtime.settings import get_platform_settings
from shared.runtime.tasks import event_handler

log = structlog.get_logger(__name__)

UNRESOLVED = LedgerHouseholdCategory.MONITORED_UNRESOLVED


def _calendar():
    return workday_calendar(get_platform_settings().workday_calendar_file)


@event_handler("visit.submitted", name="cases.from_visit")
async def case_from_visit(session: AppSession, envelope: Envelope) -> None:
    """A risk judged present on a visit, outside the unresolved monitoring objects, starts (or feeds) a case.

    Its start is the day of the visit. A resolved monitoring object with a new risk starts a new
    identification (风险再标注); an unresolved one is already monitored and gets none.
    """
    visit = envelope.read(VisitSubmitted)
    decided = await MonitoringRepository(session).category(visit.household_id)
    category = ledger_category(visit.household_kinds, visit.risk_status, decided)
    if not visit.risk.has_risk or category in (None, UNRESOLVED):
        return
    day = shanghai_date(visit.visited_at)
    evidence = {"key": f"visit:{visit.visit_id}", "source": CaseSource.VISIT.value, "observed_on": day.isoformat(),
                "detail": f"{day}走访研判存在返贫致贫风险", "event_id": str(envelope.id)}
    await open_identification(session, household_id=visit.household_id, org_code=visit.org_code,
                              source=CaseSource.VISIT, started_on=day, evidence=evidence, calendar=_calendar(),
                              head_name=visit.head_name, group_name=visit.group_name,
                              risk_causes=list(visit.risk.causes))


@event_handler("income.assessed", name="cases.from_income")
async def case_from_income(session: AppSession, envelope: Envelope) -> None:
    """Income below the line of a household the ledger knows, not an unresolved monitoring object, starts a case.

    Its start is the day of the visit the assessment came from when the ledger has that visit, else
    the day the assessment was made.
    """
    income = envelope.read(IncomeAssessed)
    if not income.below_monitoring_line or income.is_latest is False:
        return
    row = await HouseholdViewRepository(session).get(income.household_id)
    decided = await MonitoringRepository(session).category(income.household_id)
    category = ledger_category(row.household_kinds, row.risk_status, decided) if row is not None else None
    if category in (None, UNRESOLVED) or row.removed:
        if category is None:
            log.info("income_case_waits_for_household", household_id=str(income.household_id))
        return
    same_visit = row.visit_id is not None and row.visit_id == income.source_visit_id and row.visited_at
    day = shanghai_date(row.visited_at if same_visit else envelope.occurred_at)
    evidence = {"key": f"assessment:{income.assessment_id}", "source": CaseSource.INCOME_RULE.value,
                "observed_on": day.isoformat(), "detail": f"{income.year}收入年度人均纯收入低于监测范围",
                "event_id": str(envelope.id)}
    await open_identification(session, household_id=income.household_id, org_code=income.org_code,
                              source=CaseSource.INCOME_RULE, started_on=day, evidence=evidence,
                              calendar=_calendar(), head_name=row.head_name, group_name=row.group_name)


@event_handler("warning.verified", name="cases.from_warning")
async def case_from_warning(session: AppSession, envelope: Envelope) -> None:
    """A department warning checked and found to show a risk starts a case on the day it was received."""
    warning = envelope.read(WarningVerified)
    row = await HouseholdViewRepository(session).get(warning.household_id)
    decided = await MonitoringRepository(session).category(warning.household_id)
    kinds, risk_status = (row.household_kinds, row.risk_status) if row is not None else ([], None)
    if ledger_category(kinds, risk_status, decided) == UNRESOLVED:
        return
    evidence = {"key": f"warning:{warning.warning_id}", "source": CaseSource.WARNING.value,
                "observed_on": warning.received_on.isoformat(),
                "detail": f"{warning.received_on}收到部门预警（{warning.signal_type}），{warning.verified_on}核实",
                "event_id": str(envelope.id)}
    await open_identification(session, household_id=warning.household_id, org_code=warning.org_code,
                              source=CaseSource.WARNING, started_on=warning.received_on, evidence=evidence,
                              calendar=_calendar(), head_name=row.head_name if row else None,
                              group_name=row.group_name if row else None)


@event_handler("case.closed", name="cases.follow_status")
async def status_from_case(session: AppSession, envelope: Envelope) -> None:
    """A closed case sets the household's monitoring status (identified, eliminated, rolled back)."""
    await follow(session, envelope.read(CaseClosed), occurred_at=envelope.occurred_at)
