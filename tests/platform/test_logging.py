"""Log output: the console renderer for `fangfan run`, JSON for production, masking in both."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from shared.runtime.logging import REQUEST_EVENT, configure_logging
from shared.runtime.settings import Mode, PlatformSettings

ID_NUMBER = "500151197204186114"
PHONE = "13812345678"


@pytest.fixture
def logged(capsys):
    """Configure logging for the test, return what it printed, and leave logging as it was."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def emit(*, json_lines: bool, log) -> str:
        configure_logging("INFO", json=json_lines)
        log(structlog.get_logger("tests.logging"))
        return capsys.readouterr().out

    yield emit
    root.handlers[:], level = saved
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.NOTSET)
    structlog.reset_defaults()


def log_sensitive(log) -> None:
    log.info("member_checked", id_number=ID_NUMBER, note=f"call {PHONE}")
    try:
        raise ValueError(f"no such member {ID_NUMBER}")
    except ValueError:
        log.exception("member_lookup_failed")


@pytest.mark.parametrize("json_lines", [False, True], ids=["console", "json"])
def test_id_numbers_and_phones_are_masked_in_messages_fields_and_tracebacks(logged, json_lines):
    out = logged(json_lines=json_lines, log=log_sensitive)
    assert "member_checked" in out and "member_lookup_failed" in out and "ValueError" in out
    assert ID_NUMBER not in out and PHONE not in out
    assert out.count("500151********6114") == 2 and "138****5678" in out


def test_the_console_shows_a_request_as_one_line_with_method_path_status_and_duration(logged):
    out = logged(json_lines=False, log=lambda log: log.info(
        REQUEST_EVENT, method="POST", path="/intake/visits", status=201, duration_ms=12.3, route="/visits",
        service="intake", request_id="req-1"))
    [line] = out.splitlines()
    assert "POST /intake/visits 201 12.3 ms" in line and "request_id=req-1" in line
    assert "\x1b[" not in line  # no colour codes when the output is not a terminal


def test_json_keeps_the_request_fields_for_a_log_shipper(logged):
    out = logged(json_lines=True, log=lambda log: log.info(
        REQUEST_EVENT, method="GET", path="/ledger/cases", status=200, duration_ms=3.1, route="/cases"))
    record = json.loads(out)
    assert (record["event"], record["method"], record["path"], record["status"], record["duration_ms"]) == (
        REQUEST_EVENT, "GET", "/ledger/cases", 200, 3.1)


def test_fangfan_run_on_embedded_defaults_logs_to_the_console_and_production_as_json():
    embedded = PlatformSettings(_env_file=None)
    production = PlatformSettings(_env_file=None, mode=Mode.PRODUCTION)
    assert embedded.logs_as_json(interactive=True) is False  # fangfan run
    assert embedded.logs_as_json(interactive=False) is True  # serve, worker, operator commands
    assert production.logs_as_json(interactive=True) is True
    assert PlatformSettings(_env_file=None, log_json=True).logs_as_json(interactive=True) is True
    assert PlatformSettings(_env_file=None, mode=Mode.PRODUCTION, log_json=False).logs_as_json(interactive=False) \
        is False
