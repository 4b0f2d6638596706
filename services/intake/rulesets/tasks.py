"""Event handlers of rule sets: a version income announces is kept for the screening of visits."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.intake.rulesets import service
from shared.data.database import AppSession
from shared.events.consumer import TransientError
from shared.events.contracts.income import RuleSetPublished
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("ruleset.published", name="record_ruleset")
async def record_ruleset(session: AppSession, envelope: Envelope) -> None:
    """Keep the announced version; the next visit of its year and region is screened with it.

    The inbox makes a second delivery a no-op, and a version already held is left as it is. Two
    deliveries racing past the inbox trip the unique key: the retry finds the version held.
    """
    published = envelope.read(RuleSetPublished)
    try:
        await service.record_published(session, published=published, org_code=envelope.org_code,
                                       event_id=envelope.id)
    except IntegrityError as exc:
        raise TransientError(f"rule set {published.version} ({published.region!r}) stored concurrently: "
                             f"{exc.orig}") from exc
