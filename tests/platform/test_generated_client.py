"""An integrator's generated client covers every operation: openapi-python-client skips none and warns of nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

from shared.runtime.settings import SERVICE_NAMES
from tests.platform.openapi_docs import openapi_documents, operations


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    return openapi_documents(tmp_path_factory.mktemp("client-docs"))


def test_every_component_has_one_plain_name(documents):
    for service, document in documents.items():
        names = list(document["components"]["schemas"])
        assert [n for n in names if "__" in n or n.endswith(("-Input", "-Output"))] == [], service


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_generated_client_has_every_operation_and_no_warning(documents, service, tmp_path):
    spec = tmp_path / f"{service}.json"
    spec.write_text(json.dumps(documents[service]), encoding="utf-8")
    config = tmp_path / "config.yaml"
    # No formatter run (its absence is not our warning). The ledgers' workbooks are binary files: a client
    # reads them as any download, as the README tells integrators to configure their generator.
    config.write_text("post_hooks: []\ncontent_type_overrides:\n"
                      f"  {XLSX}: application/octet-stream\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec), "--output-path",
         str(tmp_path / "client"), "--meta", "none", "--config", str(config)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert not re.search(r"warning|skipping|unable|error", output, re.IGNORECASE), output
    generated = {path.stem for path in (tmp_path / "client" / "api").rglob("*.py") if path.stem != "__init__"}
    assert len(generated) == len(operations(documents[service])), output  # a skipped operation has no module
