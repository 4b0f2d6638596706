"""The routing table: which services consume which event types. The only place it is written."""

from __future__ import annotations

ROUTES: dict[str, tuple[str, ...]] = {
    "platform.probe": ("intake", "income", "ledger", "alerts"),
    "visit.submitted": ("income", "ledger"),
    # Alerts keeps the members' blind indexes to match department warnings to households.
    "household.changed": ("income", "ledger", "alerts"),
    "income.assessed": ("ledger",),
    # The ledger prints the names of district, township and village in its workbooks.
    "org_unit.changed": ("ledger",),
    # Intake screens visits with the added version; income assesses the visits that waited for it.
    "ruleset.published": ("intake", "income"),
    "problem.recorded": ("alerts",),
    # Alerts keeps each campaign's phase dates in its deadline registry.
    "campaign.changed": ("alerts",),
    "problem.verified": (),
    "case.opened": ("alerts",),
    "case.step_recorded": ("alerts",),
    # The ledger consumes its own: the household's monitoring status follows its closed cases.
    "case.closed": ("alerts", "ledger"),
    "deadline.scheduled": ("alerts",),
    "deadline.met": ("alerts",),
    # Alerts consumes its own: the webhook only stores; matching runs in the worker.
    "warning.received": ("ledger", "alerts"),
    "warning.verified": ("ledger",),
    # Every check, whatever it found: the ledger's reports count checks on time and late.
    "warning.checked": ("ledger",),
    "alert.raised": (),
}


def consumers_of(event_type: str) -> tuple[str, ...]:
    return ROUTES.get(event_type, ())


def queue_name(service: str) -> str:
    """The arq queue one service's workers read."""
    return f"fangfan:{service}"
