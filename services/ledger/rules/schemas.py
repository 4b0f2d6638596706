"""API model of a rule as the table lists it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.enums import ProblemLevel, ProblemSource


class RuleRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "income.below_line_not_monitored",
                                                       "level": "household",
                                                       "problem_type": "income",
                                                       "problem_type_label": "①收入方面",
                                                       "source": "rule",
                                                       "clause": "对家庭年人均纯收入低于监测范围的，补充录入“四收一支”具体情况；……特别是是否存在收入不达标或下降风险",
                                                       "message": "{year}收入年度人均纯收入{amount}低于监测范围，且不是未消除风险监测对象",
                                                       "triggers": ["income.assessed", "visit.submitted", "household.changed"],
                                                       "finding_code": None,
                                                       "active": True,
                                                       "note": None}]})

    code: str = Field(description="stable: it keys the problem the rule raises, per campaign and subject")
    level: ProblemLevel
    problem_type: str
    problem_type_label: str
    source: ProblemSource
    clause: str = Field(description="the clause of the work plan it enforces, quoted")
    message: str = Field(description="the 问题描述 it writes, filled from the evidence")
    triggers: list[str] = Field(description="the event types that can fire it")
    finding_code: str | None = Field(description="the visit finding it stands for, if any")
    active: bool = Field(description="false while no service publishes the events that feed it")
    note: str | None
