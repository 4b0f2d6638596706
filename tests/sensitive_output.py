"""A plugin of the whole test run: nothing the system logged holds a clear ID number or mobile number.

Every test's captured log records and captured output (where the services' structured logs go) are
read as the test ends; a line holding an ID number with a valid check character, or a mainland
mobile number, is a leak. The run lists each leak (masked, with its test) and fails at the end,
however the tests themselves fared, so no log line anywhere in the suite can carry one unnoticed.
"""

from __future__ import annotations

import re

import pytest
from stdnum.cn import ric

from shared.domain.idnumber import mask_sensitive_text

_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<![\dA-Za-z])1[3-9]\d{9}(?![\dA-Za-z])")
_leaks: list[str] = []


def sensitive_in(text: str) -> list[str]:
    """The clear ID numbers (with a valid check character) and mobile numbers in ``text``."""
    found = [m.group(0) for m in _ID_NUMBER.finditer(text) if ric.is_valid(m.group(0))]
    return found + _MOBILE.findall(text)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for section, text in report.sections:
        # A report repeats the sections of the phases before it: read each phase's own once.
        if not section.startswith(("Captured log", "Captured stdout", "Captured stderr")) or \
                not section.endswith(report.when):
            continue
        for line in text.splitlines():
            if sensitive_in(line):
                _leaks.append(f"{report.nodeid} ({section}): {mask_sensitive_text(line)[:300]}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _leaks and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if _leaks:
        terminalreporter.section("sensitive data in logs", red=True)
        terminalreporter.line(f"{len(_leaks)} log line(s) hold a clear ID number or mobile number (shown masked):")
        for leak in _leaks[:50]:
            terminalreporter.line(leak)
