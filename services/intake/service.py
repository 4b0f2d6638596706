"""The intake service: org units, households and members, visits (附件1) and bulk import."""

from pathlib import Path

from services.intake.coverage.endpoints import router as coverage_router
from services.intake.demo import load_demo_data
from services.intake.households.endpoints import router as households_router
from services.intake.imports.endpoints import router as imports_router
from services.intake.org_units.endpoints import router as org_units_router
from services.intake.org_units.tasks import load_org_units_at_startup
from services.intake.visits.endpoints import router as visits_router
from shared.service import ServiceDefinition

service = ServiceDefinition(
    name="intake",
    title="走访录入 visit intake",
    description="Org units, households and their members, the visit verification form (附件1) and bulk import.",
    # The import route comes before the household routes so that /households/import is not an id.
    routers=[org_units_router, imports_router, households_router, visits_router, coverage_router],
    handlers=[],
    versions_dir=Path(__file__).parent / "migrations" / "versions",
    on_startup=[load_org_units_at_startup],
    demo_data=load_demo_data,
)
