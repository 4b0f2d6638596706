"""Running the jobs a service declares: tracked long work with progress, per-entity work, and schedules.

- **Tracked jobs** (``@job(..., tracked=True)``): a request validates, stores a ``jobs`` row in its
  own transaction and answers ``202``; the service's worker (or the embedded process) claims the
  row, runs the job and records progress, a heartbeat and, at the end, the report. A cancel asked
  for is honoured at the job's next safe point (``ctx.progress``). A row whose heartbeat stopped
  (its worker died) is resumed once by the sweep, then failed visibly. A job that makes a file (an
  export's workbook) keeps it with :meth:`JobContext.keep_file`; the user who submitted the job
  downloads it from ``GET /<service>/jobs/{id}/file``.
- **Per-entity jobs** (``@job(...)``): what a schedule fans out to. In production they are arq jobs
  on the service's queue, with a job id made of their name, parameters and date, so a second
  enqueue of the same work is a no-op; embedded, they run in the process at once.
- **Scheduled jobs** (``@cron(...)``): arq's cron in each worker in production, the in-process
  :class:`Scheduler` embedded. Each tick is recorded in ``scheduled_runs`` under its (name, tick)
  key before the body runs, so a tick runs once however many schedulers fire it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from arq.cron import next_cron
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from shared.data.database import AppSession
from shared.data.platform_tables import (
    JobInput,
    JobOutput,
    JobRecord,
    JobState,
    ScheduledRun,
)
from shared.domain.clock import SHANGHAI, clock
from shared.runtime.tasks import CronSpec, JobSpec, ServiceProcess
from shared.security.auth import system_principal

log = structlog.get_logger(__name__)

HEARTBEAT_SECONDS = 5.0
# A job interrupted this many times is failed instead of resumed again.
MAX_ATTEMPTS = 2
POLL_SECONDS = 0.5


class JobCancelled(Exception):
    """Raised at a safe point of a job whose cancellation was asked for."""


class UnknownJob(LookupError):
    pass


@dataclass
class JobContext:
    """What a job body gets: its service, the date it works for, and progress for tracked jobs."""

    runtime: ServiceProcess
    as_of: date
    job_id: uuid.UUID | None = None
    unit: str = "items"
    _beat_at: float = field(default=0.0, repr=False)

    @property
    def db(self):
        return self.runtime.db

    def transaction(self, component: str):
        """A transaction of the job's own, as the system (scope is the job's parameters' business)."""
        return self.runtime.db.transaction(system_principal(component))

    async def progress(self, done: int, total: int | None = None) -> None:
        """Record progress; a safe point: raises :class:`JobCancelled` when a cancel was asked for."""
        if self.job_id is None:
            return
        values: dict[str, Any] = {"progress_done": done, "heartbeat_at": clock.now()}
        if total is not None:
            values["progress_total"] = total
        async with self.transaction("jobs.progress") as session:
            cancel = (await session.execute(
                update(JobRecord).where(JobRecord.id == self.job_id).values(**values)
                .returning(JobRecord.cancel_requested).execution_options(synchronize_session=False))).scalar_one()
        self._beat_at = time.monotonic()
        if cancel:
            raise JobCancelled()

    async def keep_report(self, report: dict) -> None:
        """Store what a job that is about to stop (cancelled or failing) did; a finished job's report is
        what its body returns."""
        if self.job_id is None:
            return
        try:
            async with self.transaction("jobs.report") as session:
                await session.execute(update(JobRecord).where(JobRecord.id == self.job_id)
                                      .values(report=json.loads(json.dumps(report, default=str)))
                                      .execution_options(synchronize_session=False))
        except Exception:  # noqa: BLE001 - the job's own failure is what must be recorded
            log.exception("job_report_not_kept", job_id=str(self.job_id))

    async def keep_file(self, *, filename: str, media_type: str, content: bytes) -> None:
        """Keep the file this job made, replacing any it kept before (a resumed job writes it again).

        The user who submitted the job downloads it from ``GET /<service>/jobs/{id}/file`` once the job
        has succeeded; the report should say so. A job run outside the queue (``fangfan jobs run``) has
        no row to keep it with, so nothing is kept.
        """
        if self.job_id is None:
            return
        async with self.transaction("jobs.output") as session:
            await session.execute(delete(JobOutput).where(JobOutput.job_id == self.job_id))
            session.add(JobOutput(job_id=self.job_id, filename=filename, media_type=media_type, size=len(content),
                                  content=content))

    async def input_file(self) -> JobInput:
        """The file stored with the job when it was submitted."""
        async with self.runtime.db.session(system_principal("jobs.input")) as session:
            stored = await session.get(JobInput, self.job_id)
        if stored is None:
            raise LookupError(f"job {self.job_id} has no input file")
        return stored

    async def enqueue(self, name: str, **params: Any) -> None:
        """Fan out one per-entity job of this service (a no-op if the same work is already queued)."""
        await self.runtime.jobs.enqueue(name, params, as_of=self.as_of)


def untracked_job_id(name: str, params: dict[str, Any], as_of: date) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:24]
    return f"job:{name}:{as_of.isoformat()}:{digest}"


class JobRunner:
    """The jobs of one service in one process: submits, claims and runs them, and fires its schedules."""

    def __init__(self, runtime: ServiceProcess, *, enqueue_untracked: Callable | None = None) -> None:
        self.runtime = runtime
        definition = runtime.definition
        self.specs: dict[str, JobSpec] = {spec.name: spec for spec in definition.jobs}
        self.crons: dict[str, CronSpec] = {spec.name: spec for spec in definition.crons}
        # Production: an arq enqueue; embedded (None): per-entity jobs run at once in this process.
        self.enqueue_untracked = enqueue_untracked
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()

    def spec(self, name: str) -> JobSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise UnknownJob(f"{self.runtime.name} has no job {name!r}") from None

    # --- submitting and reading tracked jobs -------------------------------------------------------------

    async def submit(self, session: AppSession, *, name: str, params: dict[str, Any], org_code: str,
                     input_file: tuple[str, bytes] | None = None) -> JobRecord:
        """Queue a tracked job in the caller's transaction: it starts only if that transaction commits."""
        spec = self.spec(name)
        principal = session.principal
        record = JobRecord(name=name, params=params, org_code=org_code, progress_unit=spec.unit,
                           created_by=principal.user_id if principal is not None else "system")
        session.add(record)
        await session.flush()
        if input_file is not None:
            session.add(JobInput(job_id=record.id, filename=input_file[0], content=input_file[1]))
            await session.flush()
        self._wake.set()
        return record

    @staticmethod
    async def cancel(session: AppSession, record: JobRecord) -> JobRecord:
        """Cancel a queued job now, or ask a running one to stop at its next safe point."""
        if record.state == JobState.QUEUED:
            record.state = JobState.CANCELLED
            record.finished_at = clock.now()
        elif record.state == JobState.RUNNING:
            record.cancel_requested = True
        await session.flush()
        return record

    # --- running tracked jobs --------------------------------------------------------------------------

    def start(self) -> None:
        """Claim and run queued jobs in the background (workers and the embedded process, not API replicas)."""
        self._task = asyncio.create_task(self._loop(), name=f"jobs-{self.runtime.name}")

    async def stop(self) -> None:
        self._task = await cancelled(self._task)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_pending()
            except Exception:  # noqa: BLE001 - the loop outlives any one failure; each job records its own
                log.exception("jobs_loop_error", service=self.runtime.name)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_SECONDS)
            self._wake.clear()

    async def run_pending(self) -> int:
        """Run queued jobs one after another until none is left; returns how many ran."""
        ran = 0
        while (claimed := await self._claim()) is not None:
            await self._run(claimed)
            ran += 1
        return ran

    async def _claim(self) -> JobRecord | None:
        now = clock.now()
        async with self.runtime.db.transaction(system_principal("jobs.claim")) as session:
            oldest = (select(JobRecord.id).where(JobRecord.state == JobState.QUEUED)
                      .where(JobRecord.name.in_(list(self.specs)))
                      .order_by(JobRecord.created_at).limit(1).with_for_update(skip_locked=True).scalar_subquery())
            claimed = (await session.execute(
                update(JobRecord).where(JobRecord.id == oldest, JobRecord.state == JobState.QUEUED)
                .values(state=JobState.RUNNING, started_at=now, heartbeat_at=now, attempts=JobRecord.attempts + 1)
                .returning(JobRecord).execution_options(synchronize_session=False))).scalars().first()
        return claimed

    async def _run(self, record: JobRecord) -> None:
        spec = self.specs[record.name]
        context = JobContext(self.runtime, as_of=clock.today(), job_id=record.id, unit=spec.unit)
        bound = log.bind(job_id=str(record.id), job=record.name, attempt=record.attempts)
        bound.info("job_started")
        heartbeat = asyncio.create_task(self._heartbeat(record.id))
        try:
            report = await spec.func(context, **record.params)
        except JobCancelled:
            await self._finish(record.id, JobState.CANCELLED, error="cancelled on request")
            bound.info("job_cancelled")
        except Exception as exc:  # noqa: BLE001 - a job's failure is recorded on its row, visibly
            await self._finish(record.id, JobState.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000])
            bound.exception("job_failed")
        else:
            await self._finish(record.id, JobState.SUCCEEDED, report=report)
            bound.info("job_succeeded")
        finally:
            await cancelled(heartbeat)

    async def _heartbeat(self, job_id: uuid.UUID) -> None:
        # Several beats within the time after which the sweep takes a job back.
        interval = min(HEARTBEAT_SECONDS, self.runtime.platform.job_stale_seconds / 4)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                async with self.runtime.db.transaction(system_principal("jobs.heartbeat")) as session:
                    await session.execute(update(JobRecord).where(JobRecord.id == job_id)
                                          .values(heartbeat_at=clock.now())
                                          .execution_options(synchronize_session=False))

    async def _finish(self, job_id: uuid.UUID, state: str, *, report: dict | None = None,
                      error: str | None = None) -> None:
        async with self.runtime.db.transaction(system_principal("jobs.finish")) as session:
            record = await session.get(JobRecord, job_id)
            record.state, record.finished_at, record.error = state, clock.now(), error
            if report is not None:
                record.report = json.loads(json.dumps(report, default=str))
            if state == JobState.SUCCEEDED and record.progress_total is not None:
                record.progress_done = record.progress_total

    async def sweep(self, *, stale_after: timedelta | None = None) -> dict[str, int]:
        """Take back running jobs whose worker died: resume each once, then fail it visibly."""
        if stale_after is None:
            stale_after = timedelta(seconds=self.runtime.platform.job_stale_seconds)
        cutoff = clock.now() - stale_after
        resumed = failed = 0
        async with self.runtime.db.transaction(system_principal("jobs.sweep")) as session:
            stale = (await session.execute(
                select(JobRecord).where(JobRecord.state == JobState.RUNNING, JobRecord.heartbeat_at <= cutoff)
                .with_for_update(skip_locked=True))).scalars().all()
            for record in stale:
                if record.attempts < MAX_ATTEMPTS and not record.cancel_requested:
                    record.state, record.error = JobState.QUEUED, "resumed: the worker running it stopped"
                    resumed += 1
                else:
                    record.state, record.finished_at = JobState.FAILED, clock.now()
                    record.error = (f"the worker running it stopped ({record.attempts} attempts); "
                                    "what it had done before stopping is in its progress")
                    failed += 1
        if resumed:
            self._wake.set()
        return {"resumed": resumed, "failed": failed}

    # --- per-entity jobs and schedules -----------------------------------------------------------------

    async def enqueue(self, name: str, params: dict[str, Any], *, as_of: date) -> None:
        self.spec(name)
        if self.enqueue_untracked is not None:
            await self.enqueue_untracked(name, params, as_of)
        else:
            await self.run_untracked(name, params, as_of=as_of)

    async def run_untracked(self, name: str, params: dict[str, Any], *, as_of: date) -> Any:
        return await self.spec(name).func(JobContext(self.runtime, as_of=as_of), **params)

    async def fire(self, name: str, *, tick: datetime) -> str:
        """Run one tick of a scheduled job unless another scheduler ran it; returns the outcome."""
        spec = self.crons[name]
        try:
            async with self.runtime.db.transaction(system_principal("jobs.schedule")) as session:
                session.add(ScheduledRun(name=name, tick=tick))
        except IntegrityError:
            return "duplicate"
        outcome, error = "succeeded", None
        try:
            await spec.func(JobContext(self.runtime, as_of=tick.astimezone(SHANGHAI).date()))
        except Exception as exc:  # noqa: BLE001 - recorded on the tick; the next tick runs as usual
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"[:4000]
            log.exception("scheduled_job_failed", job=name, tick=tick.isoformat())
        else:
            log.debug("scheduled_job_ran", job=name, tick=tick.isoformat(), service=self.runtime.name)
        async with self.runtime.db.transaction(system_principal("jobs.schedule")) as session:
            run = await session.get(ScheduledRun, (name, tick))
            run.finished_at, run.outcome, run.error = clock.now(), outcome, error
        return outcome


class Scheduler:
    """The embedded scheduler: fires each scheduled job of the process's services at its cron times."""

    def __init__(self, runners: list[JobRunner]) -> None:
        self.runners = runners
        self._task: asyncio.Task | None = None

    def due(self, after: datetime) -> list[tuple[datetime, JobRunner, CronSpec]]:
        """The next tick of every schedule after ``after``, soonest first."""
        ticks = [(next_cron(after, **cron_fields(spec)), runner, spec)
                 for runner in self.runners for spec in runner.crons.values()]
        return sorted(ticks, key=lambda item: item[0])

    def start(self) -> None:
        if any(runner.crons for runner in self.runners):
            self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        self._task = await cancelled(self._task)

    async def _loop(self) -> None:
        after = datetime.now(SHANGHAI)
        while True:
            upcoming = self.due(after)
            tick = upcoming[0][0]
            await asyncio.sleep(max(0.0, (tick - datetime.now(SHANGHAI)).total_seconds()))
            for when, runner, spec in upcoming:
                if when != tick:
                    break
                try:
                    await runner.fire(spec.name, tick=when)
                except Exception:  # noqa: BLE001 - the scheduler outlives any one tick
                    log.exception("scheduler_tick_error", job=spec.name)
            after = tick


async def cancelled(task: asyncio.Task | None) -> None:
    """Cancel a background task and wait until it has stopped; returns None for the attribute that held it."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return None


def cron_fields(spec: CronSpec) -> dict[str, Any]:
    # arq's cron fields; a schedule that names no second fires at second 0, as cron does.
    return {"second": 0, "microsecond": 0, **spec.schedule}
