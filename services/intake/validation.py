"""Cross-field rules shared by the register's schemas, each reported at the field it concerns."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared.domain.enums import HouseholdKind, LabourCapacity, RiskStatus, SkilledTrade

FieldError = tuple[tuple[str | int, ...], str, str]  # (location, kind, message)


def raise_field_errors(title: str, errors: list[FieldError]) -> None:
    """Raise the errors as one ValidationError; pydantic prefixes each location with the model's path."""
    if errors:
        details = [InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=None)
                   for loc, kind, message in errors]
        raise ValidationError.from_exception_data(title, details)


def labour_rule_errors(labour_capacity: LabourCapacity | str, skilled_trade: Any, trade_note: Any,
                       weak_reason: Any) -> list[FieldError]:
    """劳动能力 details: a trade exactly for skilled labour, a note for 其他, a reason exactly for weak labour."""
    errors: list[FieldError] = []
    skilled = labour_capacity == LabourCapacity.SKILLED
    weak = labour_capacity == LabourCapacity.WEAK
    other_trade = skilled_trade == SkilledTrade.OTHER
    for field, value, holds, condition in (
        ("skilled_trade", skilled_trade, skilled, "labour_capacity is skilled"),
        ("trade_note", trade_note, other_trade, "skilled_trade is other"),
        ("weak_reason", weak_reason, weak, "labour_capacity is weak"),
    ):
        if holds and value is None:
            errors.append(((field,), "required_when", f"required when {condition}"))
        elif not holds and value is not None:
            errors.append(((field,), "not_allowed_unless", f"not allowed unless {condition}"))
    return errors


def risk_status_errors(kinds: list[HouseholdKind | str], risk_status: RiskStatus | str | None) -> list[FieldError]:
    """风险状态 belongs to monitoring objects (防止返贫监测对象) only, and they must have one."""
    monitored = HouseholdKind.MONITORED in kinds
    if monitored and risk_status is None:
        return [(("risk_status",), "required_when", "required when household_kinds include monitored")]
    if not monitored and risk_status is not None:
        return [(("risk_status",), "not_allowed_unless", "not allowed unless household_kinds include monitored")]
    return []
