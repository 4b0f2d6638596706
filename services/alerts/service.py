"""The alerts service: department warnings, the deadline registry, alerts and their delivery."""

from pathlib import Path

from shared.service import ServiceDefinition

service = ServiceDefinition(
    name="alerts",
    title="预警与提醒 warnings, deadlines and alerts",
    description=(
        "Department early-warning data by signed webhook, the registry of every legal deadline, and the "
        "due-soon and overdue alerts raised from it."
    ),
    routers=[],
    handlers=[],
    versions_dir=Path(__file__).parent / "migrations" / "versions",
)
