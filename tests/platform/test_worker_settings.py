"""What each service's arq worker is given: its queue, its functions and its own schedule."""

from __future__ import annotations

import pytest

from shared.runtime.settings import SERVICE_NAMES, PlatformSettings
from shared.runtime.worker import worker_settings
from tests.conftest import REDIS_URL


def test_every_service_fires_its_own_ticks_of_the_platform_schedules():
    # arq keys a tick's job by the cron's name in the one Redis all services share: equal names would
    # let one service's worker take the tick from every other service.
    names = {service: [job.name for job in worker_settings(service, PlatformSettings(redis_url=REDIS_URL))["cron_jobs"]]
             for service in SERVICE_NAMES}
    for service, crons in names.items():
        assert f"{service}.platform.confirm_deliveries" in crons and f"{service}.platform.sweep_jobs" in crons
    every = [name for crons in names.values() for name in crons]
    assert len(every) == len(set(every))


def test_a_redis_connection_lost_while_watching_keys_restarts_the_worker_instead_of_ending_it():
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import WatchError

    from shared.runtime.worker import _is_connection_error

    def watch_error() -> WatchError:  # what redis-py raises when the connection drops under WATCH
        try:
            try:
                raise RedisConnectionError("Connection closed by server.")
            except RedisConnectionError:
                raise WatchError("A ConnectionError occurred on while watching one or more keys") from None
        except WatchError as exc:
            return exc

    lost = watch_error()
    assert lost.__cause__ is None and lost.__context__ is not None
    assert _is_connection_error(lost)
    assert not _is_connection_error(WatchError("Watched variable changed."))
    assert not _is_connection_error(ValueError("a bug"))


@pytest.mark.asyncio
async def test_a_worker_restarting_after_a_lost_redis_does_not_wait_for_ever_for_a_hung_job():
    import asyncio

    from shared.runtime.worker import _close

    class HungWorker:  # arq's close waits for its jobs; this job never ends
        def __init__(self) -> None:
            self.job = asyncio.create_task(asyncio.Event().wait())
            self.tasks = {"event:1:ledger": self.job}
            self.on_shutdown, self.ctx = None, {}

        async def close(self) -> None:
            await asyncio.gather(*self.tasks.values())

    worker = HungWorker()
    await asyncio.wait_for(_close(worker, timeout=0.2), 5)
    await asyncio.sleep(0)
    assert worker.job.cancelled()
