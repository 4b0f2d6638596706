"""No request gets a 500: every operation of every service's OpenAPI, fuzzed against `fangfan run`.

Schemathesis generates valid and invalid requests from each service's published schema and sends
them, with a district admin's token, to the embedded system on loopback. The number of examples
per operation is bounded so the run stays short.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from shared.runtime.settings import SERVICE_NAMES
from tests.e2e.processes import embedded_system

pytestmark = pytest.mark.e2e
EXAMPLES = os.environ.get("FANGFAN_FUZZ_EXAMPLES", "15")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    with embedded_system(tmp, FANGFAN_LOG_LEVEL="WARNING") as (base, env, _):
        token = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "token", "--name", "fuzz", "--role",
                                "district_admin", "--org", "500151000000"], env=env, capture_output=True, text=True,
                               check=True).stdout.strip()
        yield base, token, tmp


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_no_operation_answers_with_a_server_error(embedded, service):
    base, token, tmp = embedded
    binary = shutil.which("schemathesis", path=os.path.dirname(sys.executable)) or shutil.which("schemathesis")
    assert binary, "schemathesis is a test dependency; reinstall with '.[test]'"
    result = subprocess.run(
        [binary, "run", f"{base}/{service}/openapi.json", "--url", f"{base}/{service}",
         "-H", f"Authorization: Bearer {token}", "--checks", "not_a_server_error",
         "--max-examples", EXAMPLES, "--seed", "20241001", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp,
    )
    assert result.returncode == 0, result.stdout[-6000:]
