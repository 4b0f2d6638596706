"""Progress and the checklist, computed from the ledger's own tables by aggregate queries.

Every figure carries the list behind it: a GET on an existing list endpoint whose filters select
exactly the rows the aggregate counted (the aggregates apply those lists' own filter classes). A
unit's figures are the sums of the grouped counts of every org code under it, so a township holds
its villages and its own township-level rows, a district its townships.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from services.ledger.campaigns.models import Campaign
from services.ledger.campaigns.service import campaign_on, get_campaign
from services.ledger.cases.machine import IDENTIFICATION
from services.ledger.exports.names import OrgNames
from services.ledger.problems.schemas import type_label
from services.ledger.reports.page import OverdueList, Summary
from services.ledger.reports.repository import OverdueRepository, ReportRepository
from services.ledger.reports.schemas import Figure, Phase, ProgressReport, UnitProgress
from shared.data.database import AppSession
from shared.domain.enums import (
    ProblemLevel,
    ProblemStatus,
    RectificationStatus,
    VerificationMethod,
)
from shared.domain.org_codes import OrgLevel, org_level, org_prefix
from shared.errors import InvalidInput, NotFound
from shared.security.auth import Principal

PHASES = (("mobilisation_by", "动员部署"), ("visits_confirmed_by", "线下走访排查和线上录入信息确认"),
          ("visits_checked_by", "走访排查完成、总结报告报送"), ("rectification_by", "整改到位"),
          ("rectification_final_by", "确需延期的整改最迟完成"))


def link(path: str, **params) -> str:
    """A list's URL with its filters (None left out; a list or tuple repeats the parameter), as a client would call it."""
    query = [(name, str(value).lower() if isinstance(value, bool) else str(value))
             for name, values in params.items() if values is not None
             for value in (values if isinstance(values, (list, tuple)) else (values,))]
    return f"{path}?{urlencode(query)}" if query else path


async def campaign_for(session: AppSession, *, org_code: str, campaign_id: uuid.UUID | None, today: date) -> Campaign:
    if campaign_id is not None:
        campaign = await get_campaign(session, campaign_id=campaign_id)
        if not org_code.startswith(campaign.region):
            raise InvalidInput("query.campaign", f"campaign {campaign.code} does not govern {org_code}")
        return campaign
    campaign = await campaign_on(session, org_code=org_code, day=today)
    if campaign is None:
        raise NotFound(f"no campaign has begun for {org_code}")
    return campaign


def require_unit(principal: Principal, org_code: str) -> None:
    """The report of a unit outside the caller's own is refused (403): the org tree is public reference data."""
    try:
        org_level(org_code)
    except (ValueError, KeyError):
        raise InvalidInput("query.org", "not the org code of a district, township or village") from None
    principal.require_covers(org_code)


def _unit_prefixes(org_code: str, under: str) -> list[str]:
    """The prefixes of the units a row of ``org_code`` counts in: its own unit and those above it, down from
    ``under`` (a township-level row counts in its township and district, never in a village)."""
    own = len(org_prefix(org_code))
    return [org_code[:length] for length in (12, 9, 6) if length <= own and org_code[:length].startswith(under)]


class Tally:
    """Grouped counts summed up the org tree: ``tally[prefix][key]``."""

    def __init__(self, under: str) -> None:
        self.under = under
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, org_code: str, key: str, count: int) -> None:
        for prefix in _unit_prefixes(org_code, self.under):
            self.counts[prefix][key] += count

    def units(self) -> list[str]:
        return sorted(self.counts, key=lambda p: (len(p), p))


def _percent(done: int, total: int) -> float | None:
    return round(100.0 * done / total, 1) if total else None


def unit_figures(prefix: str, counts: dict[str, int], campaign: Campaign) -> list[Figure]:
    """The figures of one unit, in the order the reports show them, each with its list."""
    c = counts
    households = link("/ledger/households", org=prefix, removed=False)
    window = {"visited_from": campaign.starts_on, "visited_to": campaign.visits_checked_by}
    figures = [
        Figure(key="households", label="户数", count=c.get("households", 0), link=households),
        Figure(key="people", label="人数", count=c.get("people", 0), link=households),
        Figure(key="visited", label="已走访户数", count=c.get("visited", 0), total=c.get("households", 0),
               percent=_percent(c.get("visited", 0), c.get("households", 0)), due_on=campaign.visits_confirmed_by,
               link=link("/ledger/households", org=prefix, removed=False, **window)),
    ]
    for method in VerificationMethod:
        figures.append(Figure(key=f"visited.{method.value}", label=f"其中{method.label}",
                              count=c.get(f"visited.{method.value}", 0), due_on=campaign.visits_confirmed_by,
                              link=link("/ledger/households", org=prefix, removed=False, **window,
                                        method=method.value)))
    key_targets = c.get("key_targets", 0)
    figures += [
        Figure(key="key_targets", label="已走访重点对象户数", count=key_targets, due_on=campaign.visits_confirmed_by,
               link=link("/ledger/households", org=prefix, removed=False, **window, key_target=True)),
        Figure(key="key_targets.face_to_face", label="重点对象入户走访户数", count=c.get("key_targets.face_to_face", 0),
               total=key_targets, percent=_percent(c.get("key_targets.face_to_face", 0), key_targets),
               due_on=campaign.visits_confirmed_by,
               link=link("/ledger/households", org=prefix, removed=False, **window, key_target=True,
                         method=VerificationMethod.HOME_VISIT.value)),
    ]
    problems_total = sum(c.get(f"problems.{s.value}", 0) for s in ProblemStatus)
    for status in ProblemStatus:
        figures.append(Figure(key=f"problems.{status.value}", label=f"疑似问题{status.label}",
                              count=c.get(f"problems.{status.value}", 0), total=problems_total,
                              due_on=campaign.visits_checked_by,
                              link=link("/ledger/problems", org=prefix, campaign_id=campaign.id, status=status.value)))
    for key in sorted(k for k in c if k.startswith("problem_type.")):
        _, level, kind, status = key.split(".")
        figures.append(Figure(key=key, label=f"{ProblemLevel(level).label}·{type_label(level, kind)}·"
                                             f"{ProblemStatus(status).label}", count=c[key],
                              link=link("/ledger/problems", org=prefix, campaign_id=campaign.id, level=level,
                                        problem_type=kind, status=status)))
    items = sum(c.get(f"rectifications.{s.value}", 0) for s in RectificationStatus)
    done = c.get("rectifications.completed", 0) + c.get("rectifications.closed", 0)
    figures.append(Figure(key="rectifications", label="整改事项", count=items, total=items,
                          percent=_percent(done, items), due_on=campaign.rectification_by,
                          link=link("/ledger/rectifications", org=prefix, campaign_id=campaign.id)))
    for status in RectificationStatus:
        figures.append(Figure(key=f"rectifications.{status.value}", label=f"整改{status.label}",
                              count=c.get(f"rectifications.{status.value}", 0), due_on=campaign.rectification_by,
                              link=link("/ledger/rectifications", org=prefix, campaign_id=campaign.id,
                                        status=status.value)))
    figures.append(Figure(key="rectifications.overdue", label="整改逾期未完成", count=c.get("rectifications.overdue", 0),
                          due_on=campaign.rectification_by,
                          link=link("/ledger/rectifications", org=prefix, campaign_id=campaign.id, overdue=True)))
    for state in IDENTIFICATION.states:
        figures.append(Figure(key=f"cases.{state.code}", label=f"识别认定·{state.label}",
                              count=c.get(f"cases.{state.code}", 0),
                              link=link("/ledger/cases", org=prefix, kind=IDENTIFICATION.kind, state=state.code)))
    figures.append(Figure(key="cases.overdue", label="识别认定超过时限", count=c.get("cases.overdue", 0),
                          link=link("/ledger/cases", org=prefix, kind=IDENTIFICATION.kind, overdue=True)))
    received = c.get("warnings.received", 0)
    figures += [
        Figure(key="warnings.received", label="收到预警信息", count=received,
               link=link("/ledger/reports/warnings", org=prefix)),
        Figure(key="warnings.on_time", label="预警按时核实", count=c.get("warnings.on_time", 0), total=received,
               percent=_percent(c.get("warnings.on_time", 0), received),
               link=link("/ledger/reports/warnings", org=prefix, check="on_time")),
        Figure(key="warnings.late", label="预警超时核实", count=c.get("warnings.late", 0),
               link=link("/ledger/reports/warnings", org=prefix, check="late")),
        Figure(key="warnings.unchecked", label="预警尚未核实", count=c.get("warnings.unchecked", 0),
               link=link("/ledger/reports/warnings", org=prefix, check="unchecked")),
    ]
    return figures


def unit_name(names: OrgNames, prefix: str) -> str:
    code = prefix.ljust(12, "0")
    level = org_level(code)
    if level is OrgLevel.VILLAGE:
        return names.village(code)
    if level is OrgLevel.TOWNSHIP:
        return names.township(code)
    return names.district(code)


async def progress(session: AppSession, *, principal: Principal, org_code: str, campaign_id: uuid.UUID | None,
                   today: date, names: OrgNames) -> ProgressReport:
    require_unit(principal, org_code)
    campaign = await campaign_for(session, org_code=org_code, campaign_id=campaign_id, today=today)
    under = org_prefix(org_code)
    repository = ReportRepository(session)
    tally = Tally(under)
    tally.counts[under]  # the unit asked about is shown even with nothing in it yet
    for org, key, count in await repository.households(under, visits_from=campaign.starts_on,
                                                       visits_to=campaign.visits_checked_by):
        tally.add(org, key, count)
    for org, level, kind, status, count in await repository.problems(under, campaign.id):
        tally.add(org, f"problems.{status}", count)
        tally.add(org, f"problem_type.{level}.{kind}.{status}", count)
    for org, key, count in await repository.rectifications(under, campaign.id, today):
        tally.add(org, f"rectifications.{key}", count)
    for org, key, count in await repository.cases(under, IDENTIFICATION.kind, today):
        tally.add(org, f"cases.{key}", count)
    for org, key, count in await repository.warnings(under):
        tally.add(org, f"warnings.{key}", count)
    units = [UnitProgress(org_code=prefix.ljust(12, "0"), name=unit_name(names, prefix),
                          level=org_level(prefix.ljust(12, "0")).value,
                          figures=unit_figures(prefix, tally.counts[prefix], campaign))
             for prefix in tally.units()]
    phases = [Phase(key=key, label=label, due_on=getattr(campaign, key),
                    days_left=(getattr(campaign, key) - today).days) for key, label in PHASES]
    return ProgressReport(campaign_id=campaign.id, campaign_name=campaign.name, year=campaign.year,
                          org_code=org_code, org_name=unit_name(names, under), as_of=today, phases=phases,
                          units=units)


OVERDUE_LIMIT = 200


def _place(names: OrgNames, org_code: str) -> str:
    return names.township(org_code) if org_code.endswith("000") else names.village(org_code)


async def overdue_lists(session: AppSession, *, report: ProgressReport, today: date, names: OrgNames,
                        limit: int = OVERDUE_LIMIT) -> list[OverdueList]:
    """The rows behind the overdue figures of the report's unit (at most ``limit`` each, oldest due first)."""
    under = org_prefix(report.org_code)
    repository = OverdueRepository(session)
    states = {state.code: state.label for state in IDENTIFICATION.states}
    rectifications = [(_place(names, org), head or "——", type_label(level, kind), due.isoformat(),
                       (today - due).days)
                      for org, head, level, kind, due in await repository.rectifications(
                          under, report.campaign_id, today, limit)]
    cases = [(_place(names, org), head or "——", states.get(state, state), started.isoformat(),
              due.isoformat() if due else None)
             for org, head, state, started, due in await repository.cases(under, IDENTIFICATION.kind, today, limit)]
    warnings_ = [(_place(names, org) if org_level(org) is not OrgLevel.DISTRICT else names.district(org),
                  received.isoformat(), due.isoformat() if due else None,
                  checked.isoformat() if checked else "尚未核实")
                 for org, received, due, checked in await repository.warnings(under, today, limit)]
    return [
        OverdueList("整改逾期未完成", ("村（乡镇）", "户主", "问题类型", "完成时限", "逾期天数"), rectifications),
        OverdueList("识别认定超过时限", ("村（乡镇）", "户主", "当前环节", "发现风险日期", "应批复日期"), cases),
        OverdueList("预警信息未在时限内核实", ("单位", "收到日期", "应核实日期", "核实日期"), warnings_),
    ]


OPEN_PROBLEMS_LIMIT = 2000


async def summary(session: AppSession, *, principal: Principal, org_code: str, campaign_id: uuid.UUID | None,
                  today: date, names: OrgNames) -> Summary:
    """What the summary report (总结报告) says: the progress, the overdue lists and the problems still open."""
    report = await progress(session, principal=principal, org_code=org_code, campaign_id=campaign_id, today=today,
                            names=names)
    overdue = await overdue_lists(session, report=report, today=today, names=names)
    rows = await OverdueRepository(session).open_problems(org_prefix(org_code), report.campaign_id,
                                                          OPEN_PROBLEMS_LIMIT + 1)
    item_labels = {status.value: status.label for status in RectificationStatus}
    open_rows = [(_place(names, org), head or "——", type_label(level, kind), ProblemStatus(status).label,
                  item_labels.get(item_status, "——") if item_status else "——", due.isoformat() if due else "——")
                 for org, head, level, kind, status, item_status, due in rows[:OPEN_PROBLEMS_LIMIT]]
    open_list = OverdueList("未办结问题清单", ("村（乡镇）", "户主", "问题类型", "核实情况", "整改情况", "完成时限"), open_rows)
    return Summary(report=report, overdue=overdue, open_problems=open_list,
                   truncated=len(rows) > OPEN_PROBLEMS_LIMIT)
