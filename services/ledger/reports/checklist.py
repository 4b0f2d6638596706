"""附件2 for one village or township: the basic information table and the questions, from the data where it can.

A question is answered from the data (``data``: figures with the lists behind them, and a note on
what the data cannot say) or by the village (``village``: what only people know, recorded with
``POST /ledger/reports/checklist/answers``, who and when). The questions
are written here in our own words; their order is the form's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from services.ledger.campaigns.models import Campaign
from services.ledger.cases.machine import IDENTIFICATION
from services.ledger.exports.names import OrgNames
from services.ledger.problems.schemas import type_label
from services.ledger.reports.models import ChecklistAnswer
from services.ledger.reports.repository import ReportRepository
from services.ledger.reports.schemas import (
    AnswerCreate,
    AnswerRead,
    Checklist,
    ChecklistItem,
    Figure,
)
from services.ledger.reports.service import Tally, campaign_for, link, require_unit
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.enums import (
    LedgerHouseholdCategory,
    RiskCause,
    WarningSignal,
)
from shared.domain.org_codes import OrgLevel, org_level, org_prefix
from shared.errors import Conflict, InvalidInput
from shared.security.auth import Principal

RESIDENT_ITEMS = {"resident_households": "常住户数（居住半年以上）", "resident_population": "常住人口数（居住半年以上）"}
MONITORED = tuple(c.value for c in (LedgerHouseholdCategory.MONITORED_RESOLVED,
                                    LedgerHouseholdCategory.MONITORED_UNRESOLVED))
UNRESOLVED = (LedgerHouseholdCategory.MONITORED_UNRESOLVED.value,)


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    source: str  # data | village
    note: str | None = None


QUESTIONS = (
    Question("counts_known", "辖区内脱贫人口、监测对象各有多少", "data",
             "监测户 by the household's status now: what its identification or elimination decided, else the "
             "register's"),
    Question("no_labour_protected", "整户无劳动能力、靠兜底保障的户有多少", "data",
             "whole households without labour capacity by the members of their latest visit; protective cover "
             "is a protective (保障性) measure in the current assistance plan; 低保/特困 granted outside a plan "
             "are not in the data"),
    Question("unresolved", "未消除风险的户（整户无劳兜底户除外）有多少，风险为何未消除", "data",
             "by the household's status now; whole households without labour capacity are those whose latest "
             "visit found no member able to work; causes are those the latest visit found"),
    Question("low_income_group", "低收入组脱贫户有多少", "data",
             "by the latest income assessment the ledger heard of (income class), not the city's roster"),
    Question("leaflets", "两类“明白纸”是否发放到户", "village"),
    Question("procedure", "监测对象识别是否按程序进行", "data",
             "every case follows the procedure's table step by step; figures are its outcomes"),
    Question("identification_15_days", "新识别监测对象从发现风险到批准纳入是否在15天内", "data"),
    Question("assistance_applicants", "新申请低保、特困供养的农户是否同步排查", "data",
             "from department warnings of new 低保/特困 the ledger heard of; applications told only to the "
             "village are not in the data"),
    Question("plans_10_days", "新识别监测对象是否10天内制定帮扶计划、申报帮扶措施", "data",
             "plans drawn up after their due day, and identified cases with no plan whose due day has passed"),
    Question("development_measure", "有劳动能力、有意愿的监测户是否至少落实一项开发式帮扶措施", "data",
             "labour capacity by the members of the latest visit; willingness only people know; a household "
             "with labour capacity and no plan yet is among the cases without a plan (一户一策)"),
    Question("one_plan_one_helper", "低收入组脱贫人口和未消除风险监测对象是否落实一户一策一帮扶人", "data",
             "identified cases without an assistance plan; every plan names the household's helper (帮扶人), "
             "so a case without a plan is one without a named helper; low-income 脱贫户 get no plan in the data"),
    Question("risk_assessment_yearly", "识别纳入半年以上的未消除风险监测对象今年是否至少研判一次", "data",
             "a case owes a yearly risk assessment once it was identified half a year ago; owed: announced and "
             "not yet made, the case unresolved"),
    Question("warnings_received", "今年收到了哪些方面的部门预警信息", "data"),
    Question("warnings_5_days", "预警信息是否在5个工作日内核实到户", "data"),
    Question("secretary_visits", "乡镇党委书记、村党组织书记和第一书记遍访情况", "village"),
    Question("systemic_risk", "是否存在区域性、系统性返贫致贫风险", "village"),
)
BY_CODE = {q.code: q for q in QUESTIONS}
ANSWERABLE = set(RESIDENT_ITEMS) | {q.code for q in QUESTIONS if q.source == "village"}


def _basic(prefix: str, c: dict[str, int]) -> list[Figure]:
    households = link("/ledger/households", org=prefix, removed=False)
    return [Figure(key="households", label="总户数（户籍）", count=c.get("households", 0), link=households),
            Figure(key="people", label="总人口数（户籍）", count=c.get("people", 0), link=households)]


def _figures(code: str, prefix: str, c: dict[str, int], campaign: Campaign) -> list[Figure]:
    households = {"org": prefix, "removed": False}
    kind_link = lambda kind, **more: link("/ledger/households", **households, kind=kind, **more)  # noqa: E731
    unresolved = {"category": UNRESOLVED}
    if code == "counts_known":
        return [Figure(key="poverty_alleviated", label="脱贫户", count=c.get("poverty_alleviated", 0),
                       link=kind_link("poverty_alleviated")),
                Figure(key="poverty_alleviated.people", label="脱贫人口", count=c.get("poverty_alleviated.people", 0),
                       link=kind_link("poverty_alleviated")),
                Figure(key="monitored", label="监测户", count=c.get("monitored", 0),
                       link=link("/ledger/households", **households, category=MONITORED)),
                Figure(key="monitored.people", label="监测对象人数", count=c.get("monitored.people", 0),
                       link=link("/ledger/households", **households, category=MONITORED))]
    if code == "no_labour_protected":
        plans = {"org": prefix, "labour": "no_labour"}
        return [Figure(key="monitored.no_labour", label="整户无劳动能力的监测户", count=c.get("monitored.no_labour", 0),
                       link=link("/ledger/households", **households, category=MONITORED, labour="no_labour")),
                Figure(key="plans.no_labour.covered", label="其中帮扶计划有保障性措施（兜底）",
                       count=c.get("plans.no_labour.covered", 0), link=link("/ledger/plans", **plans, flagged=False)),
                Figure(key="plans.no_labour.uncovered", label="其中帮扶计划无保障性措施",
                       count=c.get("plans.no_labour.uncovered", 0),
                       link=link("/ledger/plans", **plans, flag="no_protective_cover"))]
    if code == "unresolved":
        figures = [Figure(key="unresolved", label="未消除风险户", count=c.get("unresolved", 0),
                          link=link("/ledger/households", **households, **unresolved)),
                   Figure(key="unresolved.excluding_no_labour", label="未消除风险户（整户无劳动能力户除外）",
                          count=c.get("unresolved.excluding_no_labour", 0),
                          link=link("/ledger/households", **households, **unresolved, without_labour=False)),
                   Figure(key="unresolved.no_labour", label="其中整户无劳动能力户",
                          count=c.get("unresolved.no_labour", 0),
                          link=link("/ledger/households", **households, **unresolved, without_labour=True))]
        return figures + [Figure(key=f"unresolved.{cause.value}", label=f"其中{cause.label}",
                                 count=c[f"unresolved.{cause.value}"],
                                 link=link("/ledger/households", **households, **unresolved, risk_cause=cause.value))
                          for cause in RiskCause if c.get(f"unresolved.{cause.value}", 0)]
    if code == "low_income_group":
        return [Figure(key="low_income_group", label="脱贫户中收入为低收入组（高于监测范围）",
                       count=c.get("low_income_group", 0),
                       link=kind_link("poverty_alleviated", income_class="low_income_group")),
                Figure(key="below_monitoring_line", label="脱贫户中收入在监测范围内（低收入组）",
                       count=c.get("below_line_low_income", 0),
                       link=kind_link("poverty_alleviated", income_class="below_monitoring_line"))]
    cases = {"org": prefix, "kind": IDENTIFICATION.kind}
    if code == "procedure":
        return [Figure(key=f"cases.{state}", label=f"识别认定·{label}", count=c.get(f"cases.{state}", 0),
                       link=link("/ledger/cases", **cases, state=state))
                for state, label in (("identified", "已识别纳入"), ("rejected", "审核未通过"),
                                     ("withdrawn", "已撤回"))]
    if code == "identification_15_days":
        return [Figure(key="cases.overdue", label="超过时限的识别", count=c.get("cases.overdue", 0),
                       link=link("/ledger/cases", **cases, overdue=True))]
    if code == "assistance_applicants":
        return [Figure(key=f"warnings.{signal.value}.{check}", label=f"{signal.label}预警{label}",
                       count=c.get(f"warnings.signal.{signal.value}{suffix}", 0),
                       link=link("/ledger/reports/warnings", org=prefix, signal_type=signal.value,
                                 check=None if not suffix else "unchecked"))
                for signal in (WarningSignal.NEW_DIBAO, WarningSignal.NEW_TEKUN)
                for check, label, suffix in (("received", "收到", ""), ("unchecked", "尚未核实", ".unchecked"))]
    planned = {"org": prefix, "kind": IDENTIFICATION.kind}
    if code == "plans_10_days":
        return [Figure(key="plans.late", label="超过时限制定的帮扶计划", count=c.get("plans.late", 0),
                       link=link("/ledger/plans", org=prefix, late=True)),
                Figure(key="unplanned.missing_overdue", label="已过时限尚无帮扶计划的监测对象",
                       count=c.get("unplanned.missing_overdue", 0),
                       link=link("/ledger/cases", **planned, plan_overdue=True))]
    if code == "one_plan_one_helper":
        return [Figure(key="unplanned.missing", label="已识别纳入尚无帮扶计划和帮扶人的监测对象",
                       count=c.get("unplanned.missing", 0), link=link("/ledger/cases", **planned, has_plan=False))]
    if code == "risk_assessment_yearly":
        return [Figure(key="follow_ups.owed", label="应开展年度风险研判", count=c.get("follow_ups.owed", 0),
                       link=link("/ledger/follow-ups", org=prefix, assessment_owed=True)),
                Figure(key="follow_ups.overdue", label="年度风险研判已过时限", count=c.get("follow_ups.overdue", 0),
                       link=link("/ledger/follow-ups", org=prefix, assessment_overdue=True))]
    if code == "development_measure":
        return [Figure(key="monitored.has_labour", label="有劳动能力的监测户", count=c.get("monitored.has_labour", 0),
                       link=link("/ledger/households", **households, category=MONITORED, labour="has_labour")),
                Figure(key="plans.no_development_measure", label="其中帮扶计划无开发式措施",
                       count=c.get("plans.no_development_measure", 0),
                       link=link("/ledger/plans", org=prefix, flag="no_development_measure"))] + [Figure(key=f"problems.development_assistance.{status}", label=f"{type_label('household', kind)}"
                       f"疑似问题（{label}）", count=c.get(f"problem_type.household.{kind}.{status}", 0),
                       link=link("/ledger/problems", org=prefix, campaign_id=campaign.id, level="household",
                                 problem_type=kind, status=status))
                for kind in ("development_assistance",)
                for status, label in (("suspected", "待核实"), ("confirmed", "确有问题"))]
    if code == "warnings_received":
        return [Figure(key=f"warnings.{signal.value}", label=signal.label,
                       count=c[f"warnings.signal.{signal.value}"],
                       link=link("/ledger/reports/warnings", org=prefix, signal_type=signal.value))
                for signal in WarningSignal if c.get(f"warnings.signal.{signal.value}", 0)] or [
            Figure(key="warnings.received", label="收到预警信息", count=0,
                   link=link("/ledger/reports/warnings", org=prefix))]
    if code == "warnings_5_days":
        return [Figure(key=f"warnings.{check}", label=label, count=c.get(f"warnings.{check}", 0),
                       link=link("/ledger/reports/warnings", org=prefix, check=check))
                for check, label in (("on_time", "5个工作日内核实"), ("late", "超过5个工作日核实"),
                                     ("unchecked", "尚未核实"))]
    if code == "systemic_risk":
        return [Figure(key="problems.systemic_risk", label="规模性返贫风险疑似问题",
                       count=sum(c.get(f"problem_type.{lv}.systemic_risk.{s}", 0) for lv in ("village", "township")
                                 for s in ("suspected", "confirmed", "not_a_problem")),
                       link=link("/ledger/problems", org=prefix, campaign_id=campaign.id,
                                 problem_type="systemic_risk"))]
    return []


def _answer_read(row: ChecklistAnswer) -> AnswerRead:
    return AnswerRead.model_validate(row, from_attributes=True)


def require_checklist_unit(principal: Principal, org_code: str) -> OrgLevel:
    require_unit(principal, org_code)
    level = org_level(org_code)
    if level is OrgLevel.DISTRICT:
        raise InvalidInput("query.org", "the checklist is a village's or a township's: name one")
    return level


async def checklist(session: AppSession, *, principal: Principal, org_code: str, campaign_id: uuid.UUID | None,
                    today: date, names: OrgNames) -> Checklist:
    level = require_checklist_unit(principal, org_code)
    campaign = await campaign_for(session, org_code=org_code, campaign_id=campaign_id, today=today)
    return (await checklists(session, org_code=org_code, level=level, campaign=campaign, today=today, names=names,
                             with_villages=False))[0]


async def checklists(session: AppSession, *, org_code: str, level: OrgLevel, campaign: Campaign, today: date,
                     names: OrgNames, with_villages: bool) -> list[Checklist]:
    """The unit's checklist, then (``with_villages``, for a township) each of its villages' with data."""
    under = org_prefix(org_code)
    repository = ReportRepository(session)
    tally = Tally(under)
    tally.counts[under]
    for org, key, count in await repository.households(under, visits_from=campaign.starts_on,
                                                       visits_to=campaign.visits_checked_by):
        tally.add(org, key, count)
    for org, key, count in await repository.register(under):
        tally.add(org, key, count)
    for org, lv, kind, status, count in await repository.problems(under, campaign.id):
        tally.add(org, f"problem_type.{lv}.{kind}.{status}", count)
    for org, key, count in await repository.cases(under, IDENTIFICATION.kind, today):
        tally.add(org, f"cases.{key}", count)
    for org, key, count in await repository.warnings(under):
        tally.add(org, f"warnings.{key}", count)
    for org, key, count in await repository.plans(under):
        tally.add(org, f"plans.{key}", count)
    for org, key, count in await repository.unplanned(under, IDENTIFICATION.kind, today):
        tally.add(org, f"unplanned.{key}", count)
    for org, key, count in await repository.follow_ups(under, today):
        tally.add(org, f"follow_ups.{key}", count)
    prefixes = [under] + ([p for p in tally.units() if len(p) == 12 and p != under] if with_villages else [])
    codes = [p.ljust(12, "0") for p in prefixes]
    answers: dict[str, dict[str, ChecklistAnswer]] = {code: {} for code in codes}
    for row in await repository.answers(codes, campaign.id):
        answers[row.org_code][row.item] = row
    out = []
    for prefix, code in zip(prefixes, codes, strict=True):
        counts, given = tally.counts[prefix], answers[code]
        items = [ChecklistItem(code=q.code, question=q.text, source=q.source, note=q.note,
                               figures=_figures(q.code, prefix, counts, campaign),
                               answer=_answer_read(given[q.code]) if q.code in given else None)
                 for q in QUESTIONS]
        village = names.village(code) if len(prefix) == 12 else None
        out.append(Checklist(campaign_id=campaign.id, org_code=code, level=org_level(code).value,
                             district=names.district(code), township=names.township(code), village=village,
                             as_of=today, basic=_basic(prefix, counts),
                             resident=[_answer_read(given[item]) for item in RESIDENT_ITEMS if item in given],
                             items=items))
    return out


async def record_answer(session: AppSession, *, principal: Principal, data: AnswerCreate, today: date
                        ) -> AnswerRead:
    """Record (or replace) what a village or township says, with who and when."""
    if data.item not in ANSWERABLE:
        raise InvalidInput("body.item", "not a figure or question the village answers: one of "
                                        + ", ".join(sorted(ANSWERABLE)))
    if data.item in RESIDENT_ITEMS and not (data.answer.isascii() and data.answer.isdigit()):
        raise InvalidInput("body.answer", f"{data.item} is a count: ASCII digits only")
    try:
        level = org_level(data.org_code)
    except ValueError:
        raise InvalidInput("body.org_code", "not the code of a village or a township") from None
    if level is OrgLevel.DISTRICT:
        raise InvalidInput("body.org_code", "the checklist is a village's or a township's: name one")
    principal.require_covers(data.org_code)
    campaign = await campaign_for(session, org_code=data.org_code, campaign_id=data.campaign_id, today=today)
    repository = ReportRepository(session)
    row = await repository.answer(data.org_code, campaign.id, data.item)
    if row is None:
        row = ChecklistAnswer(org_code=data.org_code, campaign_id=campaign.id, item=data.item, answer=data.answer,
                              answered_by=principal.user_id, answered_by_name=principal.name)
        await session.flush()
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            raise Conflict(f"{data.item} of {data.org_code} was just recorded by someone else; read it and "
                           "try again") from None
    else:
        row.answer, row.answered_by, row.answered_by_name = data.answer, principal.user_id, principal.name
        row.answered_at = clock.now()
        await session.flush()
    return _answer_read(row)
