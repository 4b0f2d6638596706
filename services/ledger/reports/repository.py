"""The aggregate queries behind the reports: one GROUP BY per source, counted in the database.

Each query returns ``(org_code, key, count)`` triples, a handful per org unit whatever the number of
rows, and applies exactly the criteria of the list its figure links to (the lists' own filter classes
where they exist), so a figure and its list cannot drift apart. The session's scope applies as to
any other read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from services.ledger.assistance.models import AssistancePlan, CaseFollowUp
from services.ledger.assistance.repository import FollowUpFilter, PlanFilter
from services.ledger.cases.models import Case
from services.ledger.cases.repository import CaseFilter
from services.ledger.households.models import LedgerHousehold
from services.ledger.households.repository import (
    MONITORED_CATEGORIES,
    HouseholdFilter,
    is_key_target,
)
from services.ledger.problems.models import Problem
from services.ledger.problems.repository import ProblemFilter
from services.ledger.rectifications.models import Rectification
from services.ledger.rectifications.repository import RectificationFilter
from services.ledger.reports.models import ChecklistAnswer, ReportWarning
from shared.data.database import AppSession
from shared.domain.enums import (
    HouseholdKind,
    LedgerHouseholdCategory,
    ProblemStatus,
    RectificationStatus,
    RiskCause,
    VerificationMethod,
)

Counted = tuple[str, str, int]


@dataclass(frozen=True)
class WarningFilter:
    """Which warnings the ledger has heard of a list shows: ``check`` is ``on_time``, ``late`` or ``unchecked``."""

    org: str | None = None
    signal_type: str | None = None
    check: str | None = None

    def apply(self, query):
        if self.org:
            query = query.where(ReportWarning.org_code.startswith(self.org))
        if self.signal_type is not None:
            query = query.where(ReportWarning.signal_type == self.signal_type)
        if self.check == "on_time":
            query = query.where(ReportWarning.checked_on.is_not(None), ReportWarning.checked_late.is_(False))
        elif self.check == "late":
            query = query.where(ReportWarning.checked_on.is_not(None), ReportWarning.checked_late.is_(True))
        elif self.check == "unchecked":
            query = query.where(ReportWarning.checked_on.is_(None))
        return query


class ReportRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def _triples(self, query) -> list[Counted]:
        return [(org, key, int(count)) for org, key, count in (await self.session.execute(query)).all()]

    async def households(self, org: str, *, visits_from: date, visits_to: date) -> list[Counted]:
        """Households on the register and their people; those visited in the campaign, by method; key targets."""
        base = HouseholdFilter(org=org, removed=False)
        window = HouseholdFilter(visited_from=visits_from, visited_to=visits_to).apply(select(LedgerHousehold.org_code))
        in_window = window.whereclause
        face_to_face = LedgerHousehold.visit_method == VerificationMethod.HOME_VISIT.value
        columns = [func.count().label("households"),
                   func.coalesce(func.sum(LedgerHousehold.member_count), 0).label("people"),
                   func.count().filter(in_window).label("visited"),
                   *(func.count().filter(in_window & (LedgerHousehold.visit_method == m.value)).label(f"visited.{m.value}")
                     for m in VerificationMethod),
                   func.count().filter(in_window & is_key_target()).label("key_targets"),
                   func.count().filter(in_window & is_key_target() & face_to_face).label("key_targets.face_to_face")]
        query = base.apply(select(LedgerHousehold.org_code, *columns)).group_by(LedgerHousehold.org_code)
        rows = (await self.session.execute(query)).all()
        names = [column.name for column in columns]
        return [(row[0], name, int(value)) for row in rows for name, value in zip(names, row[1:], strict=True)]

    async def register(self, org: str) -> list[Counted]:
        """For the checklist: 脱贫户 by the register; monitored and unresolved by the household's 农户类型 now
        (its cases' decision, else the register's, as ``GET /ledger/households?category=``); labour capacity;
        the low-income group; risk causes."""
        def where(**criteria):
            return HouseholdFilter(**criteria).apply(select(LedgerHousehold.org_code)).whereclause

        alleviated = where(kind=HouseholdKind.POVERTY_ALLEVIATED.value)
        monitored = where(category=MONITORED_CATEGORIES)
        unresolved_only = (LedgerHouseholdCategory.MONITORED_UNRESOLVED.value,)
        unresolved = where(category=unresolved_only)
        people = func.coalesce(LedgerHousehold.member_count, 0)
        columns = [func.count().filter(alleviated).label("poverty_alleviated"),
                   func.coalesce(func.sum(people).filter(alleviated), 0).label("poverty_alleviated.people"),
                   func.count().filter(monitored).label("monitored"),
                   func.coalesce(func.sum(people).filter(monitored), 0).label("monitored.people"),
                   func.count().filter(unresolved).label("unresolved"),
                   *(func.count().filter(where(category=unresolved_only, risk_cause=cause.value))
                     .label(f"unresolved.{cause.value}") for cause in RiskCause),
                   func.count().filter(where(category=unresolved_only, without_labour=False))
                   .label("unresolved.excluding_no_labour"),
                   func.count().filter(where(category=unresolved_only, without_labour=True))
                   .label("unresolved.no_labour"),
                   func.count().filter(where(category=MONITORED_CATEGORIES, labour="has_labour"))
                   .label("monitored.has_labour"),
                   func.count().filter(where(category=MONITORED_CATEGORIES, labour="no_labour"))
                   .label("monitored.no_labour"),
                   func.count().filter(where(kind=HouseholdKind.POVERTY_ALLEVIATED.value,
                                             income_class="low_income_group")).label("low_income_group"),
                   func.count().filter(where(kind=HouseholdKind.POVERTY_ALLEVIATED.value,
                                             income_class="below_monitoring_line")).label("below_line_low_income")]
        query = (HouseholdFilter(org=org, removed=False).apply(select(LedgerHousehold.org_code, *columns))
                 .group_by(LedgerHousehold.org_code))
        rows = (await self.session.execute(query)).all()
        names = [column.name for column in columns]
        return [(row[0], name, int(value)) for row in rows for name, value in zip(names, row[1:], strict=True)]

    async def plans(self, org: str) -> list[Counted]:
        """Assistance plans: drawn up late; flagged without a development measure; of whole households
        without labour capacity, with protective cover (no flag) and without (flagged)."""
        def where(**criteria):
            return PlanFilter(**criteria).apply(select(AssistancePlan.id)).whereclause

        columns = [func.count().label("plans"),
                   func.count().filter(where(late=True)).label("late"),
                   func.count().filter(where(flag="no_development_measure")).label("no_development_measure"),
                   func.count().filter(where(labour="no_labour", flagged=False)).label("no_labour.covered"),
                   func.count().filter(where(labour="no_labour", flag="no_protective_cover"))
                   .label("no_labour.uncovered")]
        query = (PlanFilter(org=org).apply(select(AssistancePlan.org_code, *columns))
                 .group_by(AssistancePlan.org_code))
        names = [column.name for column in columns]
        return [(row[0], name, int(value)) for row in (await self.session.execute(query)).all()
                for name, value in zip(names, row[1:], strict=True)]

    async def unplanned(self, org: str, kind: str, today: date) -> list[Counted]:
        """Identified cases without a plan (``missing``), and of them those past the plan's due day."""
        overdue = CaseFilter(plan_overdue=True, today=today).apply(select(Case.id)).whereclause
        query = (CaseFilter(org=org, kind=kind, has_plan=False)
                 .apply(select(Case.org_code, func.count(), func.count().filter(overdue)))
                 .group_by(Case.org_code))
        out: list[Counted] = []
        for org_code, missing, late in (await self.session.execute(query)).all():
            out += [(org_code, "missing", int(missing)), (org_code, "missing_overdue", int(late))]
        return out

    async def follow_ups(self, org: str, today: date) -> list[Counted]:
        """Yearly risk assessments owed (announced, not yet made, the case unresolved) and overdue."""
        overdue = FollowUpFilter(assessment_overdue=True, today=today).apply(select(CaseFollowUp.case_id)).whereclause
        query = (FollowUpFilter(org=org, assessment_owed=True)
                 .apply(select(CaseFollowUp.org_code, func.count(), func.count().filter(overdue)))
                 .group_by(CaseFollowUp.org_code))
        out: list[Counted] = []
        for org_code, owed, late in (await self.session.execute(query)).all():
            out += [(org_code, "owed", int(owed)), (org_code, "overdue", int(late))]
        return out

    async def problems(self, org: str, campaign_id: uuid.UUID) -> list[tuple[str, str, str, str, int]]:
        """(org, level, type, status, count) of the campaign's problems."""
        query = (ProblemFilter(org=org, campaign_id=campaign_id)
                 .apply(select(Problem.org_code, Problem.level, Problem.problem_type, Problem.status, func.count()))
                 .group_by(Problem.org_code, Problem.level, Problem.problem_type, Problem.status))
        return [(o, lv, t, s, int(c)) for o, lv, t, s, c in (await self.session.execute(query)).all()]

    async def rectifications(self, org: str, campaign_id: uuid.UUID, today: date) -> list[Counted]:
        """Items by status, and those open past their deadline (as ``overdue``)."""
        late = RectificationFilter(overdue=True, today=today).apply(select(Rectification.id)).whereclause
        query = (RectificationFilter(org=org, campaign_id=campaign_id)
                 .apply(select(Rectification.org_code, Rectification.status, func.count(), func.count().filter(late)))
                 .group_by(Rectification.org_code, Rectification.status))
        out: list[Counted] = []
        for org_code, status, count, overdue in (await self.session.execute(query)).all():
            out.append((org_code, status, int(count)))
            if status == RectificationStatus.IN_PROGRESS.value:
                out.append((org_code, "overdue", int(overdue)))
        return out

    async def cases(self, org: str, kind: str, today: date) -> list[Counted]:
        """Cases of ``kind`` by state, and those past their due day (open, or closed after it) as ``overdue``."""
        late = CaseFilter(overdue=True, today=today).apply(select(Case.id)).whereclause
        query = (CaseFilter(org=org, kind=kind).apply(select(Case.org_code, Case.state, func.count(),
                                                             func.count().filter(late)))
                 .group_by(Case.org_code, Case.state))
        out: list[Counted] = []
        for org_code, state, count, overdue in (await self.session.execute(query)).all():
            out.append((org_code, state, int(count)))
            out.append((org_code, "overdue", int(overdue)))
        return out

    async def warnings(self, org: str) -> list[Counted]:
        """Warnings received, checked on time, checked late and not checked yet; and received by signal."""
        on_time = WarningFilter(check="on_time").apply(select(ReportWarning.warning_id)).whereclause
        late = WarningFilter(check="late").apply(select(ReportWarning.warning_id)).whereclause
        unchecked = WarningFilter(check="unchecked").apply(select(ReportWarning.warning_id)).whereclause
        query = (WarningFilter(org=org).apply(select(ReportWarning.org_code, ReportWarning.signal_type, func.count(),
                                                     func.count().filter(on_time), func.count().filter(late),
                                                     func.count().filter(unchecked)))
                 .group_by(ReportWarning.org_code, ReportWarning.signal_type))
        out: list[Counted] = []
        for org_code, signal, count, in_time, was_late, open_ in (await self.session.execute(query)).all():
            out += [(org_code, "received", int(count)), (org_code, "on_time", int(in_time)),
                    (org_code, "late", int(was_late)), (org_code, "unchecked", int(open_)),
                    (org_code, f"signal.{signal}", int(count)), (org_code, f"signal.{signal}.unchecked", int(open_))]
        return out

    async def warning_page(self, criteria: WarningFilter, *, limit: int, offset: int):
        total = (await self.session.execute(criteria.apply(select(func.count()).select_from(ReportWarning))
                                            )).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(ReportWarning))
                                          .order_by(ReportWarning.received_on, ReportWarning.warning_id)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    async def warning(self, warning_id: uuid.UUID, *, for_update: bool = False) -> ReportWarning | None:
        query = select(ReportWarning).where(ReportWarning.warning_id == warning_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def answers(self, orgs: Iterable[str], campaign_id: uuid.UUID) -> list[ChecklistAnswer]:
        query = select(ChecklistAnswer).where(ChecklistAnswer.org_code.in_(list(orgs)),
                                              ChecklistAnswer.campaign_id == campaign_id)
        return list((await self.session.scalars(query)).all())

    async def answer(self, org_code: str, campaign_id: uuid.UUID, item: str) -> ChecklistAnswer | None:
        query = (select(ChecklistAnswer).where(ChecklistAnswer.org_code == org_code,
                                               ChecklistAnswer.campaign_id == campaign_id,
                                               ChecklistAnswer.item == item).with_for_update())
        return (await self.session.scalars(query)).first()


@dataclass(frozen=True)
class OverdueRow:
    """One line of an overdue list: where, whose, what, due when (nothing sensitive: no free text)."""

    org_code: str
    head_name: str | None
    what: str
    due_on: date | None
    since: date | None


class OverdueRepository:
    """The rows behind the overdue figures, for the page and the summary (bounded: ``limit`` each)."""

    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def rectifications(self, org: str, campaign_id: uuid.UUID, today: date, limit: int) -> list[tuple]:
        query = (RectificationFilter(org=org, campaign_id=campaign_id, overdue=True, today=today)
                 .apply(select(Rectification.org_code, Problem.head_name, Problem.level, Problem.problem_type,
                               Rectification.due_on)
                        .join(Problem, Problem.id == Rectification.problem_id))
                 .order_by(Rectification.due_on, Rectification.org_code, Rectification.id).limit(limit))
        return list((await self.session.execute(query)).all())

    async def cases(self, org: str, kind: str, today: date, limit: int) -> list[tuple]:
        query = (CaseFilter(org=org, kind=kind, overdue=True, today=today)
                 .apply(select(Case.org_code, Case.head_name, Case.state, Case.started_on, Case.due_on))
                 .order_by(Case.due_on, Case.org_code, Case.id).limit(limit))
        return list((await self.session.execute(query)).all())

    async def warnings(self, org: str, today: date, limit: int) -> list[tuple]:
        """Warnings checked late, and those not checked whose due day has passed."""
        late = ReportWarning.checked_late.is_(True) | (
            ReportWarning.checked_on.is_(None) & ReportWarning.check_due_on.is_not(None)
            & (ReportWarning.check_due_on < today))
        query = (WarningFilter(org=org).apply(select(ReportWarning.org_code, ReportWarning.received_on,
                                                     ReportWarning.check_due_on, ReportWarning.checked_on))
                 .where(late).order_by(ReportWarning.received_on, ReportWarning.warning_id).limit(limit))
        return list((await self.session.execute(query)).all())

    async def open_problems(self, org: str, campaign_id: uuid.UUID, limit: int) -> list[tuple]:
        """Problems not settled: still to verify, or confirmed with an item not yet closed (销号)."""
        query = (ProblemFilter(org=org, campaign_id=campaign_id)
                 .apply(select(Problem.org_code, Problem.head_name, Problem.level, Problem.problem_type, Problem.status,
                               Rectification.status, Rectification.due_on)
                        .outerjoin(Rectification, Rectification.problem_id == Problem.id))
                 .where(Problem.status != ProblemStatus.NOT_A_PROBLEM.value,
                        (Rectification.status.is_(None)) | (Rectification.status != RectificationStatus.CLOSED.value))
                 .order_by(Problem.org_code, Problem.level, Problem.problem_type, Problem.id).limit(limit))
        return list((await self.session.execute(query)).all())
