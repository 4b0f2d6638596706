"""The ledger service: suspected problems, rectifications and the identification procedure."""

from pathlib import Path

from shared.service import ServiceDefinition

service = ServiceDefinition(
    name="ledger",
    title="问题台账与监测对象识别 ledgers and identification",
    description=(
        "The suspected-problem ledger (附件3), the rectification ledger (附件4) and the identification "
        "procedure of new monitoring objects with its legal deadlines."
    ),
    routers=[],
    handlers=[],
    versions_dir=Path(__file__).parent / "migrations" / "versions",
)
