"""Event handlers of pending visits: a published rule set assesses the visits that waited for it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.income.pending_visits import service
from shared.data.database import AppSession
from shared.domain.rulesets import RuleSet
from shared.events.consumer import TransientError
from shared.events.contracts.income import RuleSetPublished
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("ruleset.published", name="assess_pending_visits")
async def assess_pending_visits(session: AppSession, envelope: Envelope) -> None:
    """Assess every pending visit of the new version's income year and region; publish ``income.assessed``.

    All in this handler's transaction: a failure leaves every visit pending and the event is retried
    or recorded for replay. A visit assessed at the same moment by another writer trips a unique
    index: worth a retry, which then finds it assessed.
    """
    ruleset = RuleSet.model_validate(envelope.read(RuleSetPublished).document)
    try:
        await service.assess_covered(session, ruleset=ruleset)
    except IntegrityError as exc:
        raise TransientError(f"concurrent assessment while assessing pending visits: {exc.orig}") from exc
