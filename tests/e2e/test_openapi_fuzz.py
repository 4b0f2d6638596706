"""Hostile input, every role: every operation of every service's OpenAPI, fuzzed against `fangfan run`.

Schemathesis generates valid and invalid requests from each service's published schema and sends them
to the embedded system (demo data loaded) on loopback, once per service and role, with a valid token
of that role: a village cadre of a demo village, the demo township's staff, a district admin and a
district auditor. Path parameters naming what the demo data holds (a household of the cadre's village
and one of its members, the campaign, a job of the service, when there are) are given their real ids, so
the answers checked include real records, not only 404s. Every response must pass these checks:

- ``not_a_server_error``: no 500, whatever the request;
- ``status_code_conformance``: the status is one the operation documents (an authenticated route
  documents its 401, a route for some roles only its 403, …);
- ``content_type_conformance``: the media type is a documented one (errors are JSON on every route,
  the HTML and workbook routes included);
- ``response_schema_conformance``: the body validates against the documented schema of its status;
- ``response_headers_conformance``: documented response headers are present and well-formed.

The district admin's run takes every phase, the coverage phase's boundary and negative cases of every
parameter included; the other roles' runs take the examples, fuzzing and stateful phases with fewer
examples (what differs by role is the answer to valid requests, not the parsing of invalid ones), so
the whole file stays within a few minutes. ``FANGFAN_FUZZ_EXAMPLES`` raises the examples per operation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx
import pytest

from shared.runtime.settings import SERVICE_NAMES
from tests.e2e.processes import embedded_system

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("FANGFAN_FUZZ_EXAMPLES", "5"))
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")
# Each role at an org unit of the demo data (services/intake/org_units/data/demo_org_units.csv).
ROLE_ORGS = {
    "district_admin": "500151000000",  # 铜梁区
    "town_staff": "500151108000",  # 西河镇
    "village_cadre": "500151108201",  # 石鱼村
    "auditor": "500151000000",
}
FULL_RUN_ROLE = "district_admin"


def demo_ids(base: str, token: str) -> dict[str, dict[str, str]]:
    """Per service, the path parameters to fill with ids of the demo data (``path.<name>`` -> id)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        def read(path: str, **params):
            response = client.get(path, params=params)
            response.raise_for_status()
            return response.json()

        def first_id(path: str) -> str | None:
            answer = read(path, limit=1)
            rows = answer["items"] if isinstance(answer, dict) else answer
            return rows[0]["id"] if rows else None

        first = read("/intake/households", org=ROLE_ORGS["village_cadre"], limit=1)["items"][0]
        household = read(f"/intake/households/{first['id']}")
        members = [m for m in household["members"] if m["relation"] != "head"] or household["members"]
        shared = {"path.household_id": household["id"], "path.member_id": members[0]["id"],
                  "path.campaign_id": first_id("/ledger/campaigns"),
                  "path.department_id": first_id("/alerts/departments")}
        ids = {service: shared | {"path.job_id": first_id(f"/{service}/jobs")} for service in SERVICE_NAMES}
        return {service: {name: value for name, value in found.items() if value} for service, found in ids.items()}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    with embedded_system(tmp, FANGFAN_LOG_LEVEL="WARNING") as (base, env, _):
        tokens = {
            role: subprocess.run([sys.executable, "-m", "shared.runtime.cli", "token", "--name", f"fuzz {role}",
                                  "--role", role, "--org", org], env=env, capture_output=True, text=True,
                                 check=True).stdout.strip()
            for role, org in ROLE_ORGS.items()
        }
        configs = {}
        for service, parameters in demo_ids(base, tokens["district_admin"]).items():
            configs[service] = tmp / f"{service}.toml"
            configs[service].write_text("[parameters]\n" + "".join(f'"{name}" = "{value}"\n'
                                                                    for name, value in parameters.items()))
        yield base, tokens, configs, tmp


@pytest.mark.parametrize("role", list(ROLE_ORGS))
@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_answer_is_documented_and_none_is_a_server_error(embedded, service, role):
    base, tokens, configs, tmp = embedded
    binary = shutil.which("schemathesis", path=os.path.dirname(sys.executable)) or shutil.which("schemathesis")
    assert binary, "schemathesis is a test dependency; reinstall with '.[test]'"
    if role == FULL_RUN_ROLE:
        bounds = ["--max-examples", str(EXAMPLES)]
    else:
        bounds = ["--max-examples", str(max(1, EXAMPLES // 2)), "--phases", "examples,fuzzing,stateful"]
    result = subprocess.run(
        [binary, "--config-file", str(configs[service]), "run", f"{base}/{service}/openapi.json",
         "--url", f"{base}/{service}",
         "-H", f"Authorization: Bearer {tokens[role]}", "--checks", ",".join(CHECKS), *bounds,
         "--seed", "20241001", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp,
    )
    assert result.returncode == 0, result.stdout[-8000:]
