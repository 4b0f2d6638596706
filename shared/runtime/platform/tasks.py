"""The platform's background work in every service: bus probes, the jobs sweep, delivery confirmation, pruning."""

from __future__ import annotations

import structlog

from shared.data.database import AppSession
from shared.data.platform_tables import ProbeReceipt
from shared.events.contracts.platform import BusProbe
from shared.events.envelope import Envelope
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import cron, event_handler

log = structlog.get_logger(__name__)


@event_handler("platform.probe", name="platform.record_probe")
async def record_probe(session: AppSession, envelope: Envelope) -> None:
    """Record that this service received an operator's probe of the event path."""
    probe = envelope.read(BusProbe)
    session.add(ProbeReceipt(event_id=envelope.id, origin=probe.origin, received_by=session.info["service"],
                             org_code=envelope.org_code))


@cron("platform.sweep_jobs", second={0, 15, 30, 45})
async def sweep_jobs(ctx: JobContext) -> None:
    """Take back tracked jobs whose worker died: resume each once, then fail it visibly."""
    outcome = await ctx.runtime.jobs.sweep()
    if any(outcome.values()):
        log.warning("jobs_swept", service=ctx.runtime.name, **outcome)


@cron("platform.confirm_deliveries", second={5, 20, 35, 50})
async def confirm_deliveries(ctx: JobContext) -> None:
    """Confirm the outbox's published events their consumers handled; send again what Redis lost."""
    confirmed, resent = await ctx.runtime.relay.confirm_deliveries()
    if resent:
        log.warning("deliveries_resent", service=ctx.runtime.name, confirmed=confirmed, resent=resent)


@cron("platform.prune", hour=3, minute=17)
async def prune_outbox_and_inbox(ctx: JobContext) -> None:
    """Delete published outbox rows and handled inbox rows past their retention (neither is an archive)."""
    deleted = await ctx.runtime.relay.prune()
    log.info("outbox_pruned", service=ctx.runtime.name, outbox_rows=deleted)
