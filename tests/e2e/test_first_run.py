"""`fangfan run` as a person first meets it: a banner to act on, then one readable line per request."""

from __future__ import annotations

import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shared.runtime.settings import SERVICE_NAMES
from tests.e2e.processes import embedded_system, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """`fangfan run` on a free port with nothing configured; yields (base URL, its environment, its output)."""
    with embedded_system(tmp_path_factory.mktemp("first-run")) as (base, env, log):
        yield base, env, lambda: log.read_text("utf-8")


def banner_of(output: str) -> str:
    return output[:output.index("Logs follow")]


def test_the_banner_comes_first_and_names_every_page_to_open(first_run):
    base, _, output = first_run
    text = output()
    assert "Logs follow" in text, text[-3000:]
    assert text.startswith(f"fangfan 防返: all four services in one process on {base}/"), text[:500]
    banner = banner_of(text)
    assert f"  {base}/\n" in banner
    for name in SERVICE_NAMES:
        assert f"{base}/{name}/docs" in banner and f"{base}/{name}/openapi.json" in banner
        assert httpx.get(f"{base}/{name}/openapi.json", timeout=10).status_code == 200


def test_the_banners_token_and_curl_lines_work_as_pasted(first_run):
    base, env, output = first_run
    banner = banner_of(output())
    token_line = re.search(r"^  TOKEN=\$\((.+ token --name \S+ --role town_staff --org (\d{12}))\)$", banner, re.M)
    curl_line = re.search(r'^  curl -H "Authorization: Bearer \$TOKEN" (\S+)$', banner, re.M)
    assert token_line and curl_line, banner
    issued = subprocess.run(shlex.split(token_line.group(1)), env=env, capture_output=True, text=True, timeout=120)
    assert issued.returncode == 0, issued.stderr
    households = httpx.get(curl_line.group(1), headers={"Authorization": f"Bearer {issued.stdout.strip()}"},
                           timeout=10)
    assert households.status_code == 200, households.text
    # The token's township is the demo township: its households are there to look at.
    page = households.json()
    assert page["total"] > 0 and all(h["org_code"].startswith(token_line.group(2)[:9]) for h in page["items"])


def test_a_request_is_one_readable_log_line_with_its_path_and_status(first_run):
    base, _, output = first_run
    request_id = "first-run-check-0001"
    response = httpx.get(f"{base}/ledger/healthz", headers={"X-Request-ID": request_id}, timeout=10)
    assert response.status_code == 200

    def lines() -> list[str]:
        return [line for line in output().splitlines() if request_id in line]

    found = wait_until(lines, timeout=30, what="the request's log line")
    assert len(found) == 1, found
    assert "/ledger/healthz HTTP/1.1" not in output()  # uvicorn's own access line stays off
    assert re.search(r"\[info\s*\] GET /ledger/healthz 200 \d+(\.\d+)? ms", found[0]), found[0]
    assert not found[0].lstrip().startswith("{") and "\x1b[" not in found[0]  # console, not JSON; no colour codes


def test_schedules_fire_and_jobs_run_in_the_one_process(first_run):
    base, env, output = first_run
    database = Path(env["FANGFAN_DATA_DIR"]) / "ledger.db"

    def ticks() -> list[tuple[str, str]]:
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT tick, outcome FROM scheduled_runs WHERE name = 'platform.sweep_jobs' "
                                      "AND outcome IS NOT NULL ORDER BY tick").fetchall()

    fired = wait_until(ticks, timeout=60, what="a tick of platform.sweep_jobs under fangfan run")
    assert fired[0][1] == "succeeded"

    token = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "token", "--name", "镇干部", "--role",
                            "town_staff", "--org", "500151108000"], env=env, capture_output=True, text=True,
                           check=True).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    register = "\ufeff村代码,户编号,户类型,姓名,与户主关系,身份证号码,劳动能力\r\n" \
               "500151108201,R9001,一般农户,周大山,户主,500151197203150013,普通劳动力\r\n"
    accepted = httpx.post(f"{base}/intake/households/import", headers=headers, timeout=30,
                          files={"file": ("register.csv", register.encode())})
    assert accepted.status_code == 202, accepted.text
    job = wait_until(lambda: (j := httpx.get(f"{base}{accepted.headers['Location']}", headers=headers,
                                             timeout=10).json())["state"] in ("succeeded", "failed") and j,
                     timeout=60, what="the import job to finish")
    assert job["state"] == "succeeded", job
    assert job["report"]["summary"]["rows"] == 1
