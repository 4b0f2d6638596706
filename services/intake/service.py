"""The intake service: org units, households and members, visits (附件1) and bulk import."""

from pathlib import Path

from shared.service import ServiceDefinition

service = ServiceDefinition(
    name="intake",
    title="走访录入 visit intake",
    description="Org units, households and their members, the visit verification form (附件1) and bulk import.",
    routers=[],
    handlers=[],
    versions_dir=Path(__file__).parent / "migrations" / "versions",
)
