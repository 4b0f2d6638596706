"""API model of a rule as the table lists it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.domain.enums import ProblemLevel, ProblemSource


class RuleRead(BaseModel):
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
