"""A process that does not come up fails the start-up wait with its name and the end of its log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.processes import wait_until, wait_until_up


def start(tmp_path, code: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "process.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT)
    return process, log


def test_a_process_that_exits_fails_at_once_with_its_code_and_log(tmp_path):
    process, log = start(tmp_path, "import sys; print('migrating', flush=True); sys.exit('database refused')")
    with pytest.raises(AssertionError) as failure:
        wait_until_up("fangfan serve intake", process, lambda: False, log=log, timeout=60)
    message = str(failure.value)
    assert message.startswith("fangfan serve intake exited with code 1 before it came up")
    assert message.endswith("migrating\ndatabase refused")


def test_a_process_that_stays_silent_fails_after_the_timeout_with_its_log(tmp_path):
    process, log = start(tmp_path, "import time; print('importing services', flush=True); time.sleep(60)")
    try:
        wait_until(lambda: log.read_text(), timeout=60, what="the process writing its first line")
        with pytest.raises(AssertionError) as failure:
            wait_until_up("fangfan serve income", process, lambda: False, log=log, timeout=1)
    finally:
        process.kill()
        process.wait()
    assert str(failure.value).startswith("fangfan serve income did not come up within 1s")
    assert str(failure.value).endswith("importing services")
