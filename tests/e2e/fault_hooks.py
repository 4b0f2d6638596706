"""Start a `fangfan` command with a fault the end-to-end tests arm: ``python -m tests.e2e.fault_hooks ARGS…``.

The fault lives here, in the test tree, and is installed only in a process started through this
module, so no production process can carry it. It dies between publishing an event and marking it
published: once the file named by ``FAULT_KILL_AFTER_SEND`` exists, the next ``visit.submitted``
this process's outbox relay hands to Redis is enqueued for every consumer, its id is written to
``<that file>.sent``, and the process kills itself with SIGKILL before the relay's transaction (the
one that marks the row published) commits.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from shared.events.transports import ArqTransport


def install() -> None:
    armed = os.environ.get("FAULT_KILL_AFTER_SEND")
    if not armed:
        return
    trigger = Path(armed)
    send = ArqTransport.send

    async def send_then_die(self: ArqTransport, envelope) -> None:
        await send(self, envelope)
        if envelope.type == "visit.submitted" and trigger.exists():
            Path(f"{trigger}.sent").write_text(str(envelope.id))
            os.kill(os.getpid(), signal.SIGKILL)

    ArqTransport.send = send_then_die


if __name__ == "__main__":
    install()
    from shared.runtime.cli import main

    raise SystemExit(main())
