"""Routes of visits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.intake.households.id_checks import Lookups
from services.intake.settings import Settings
from services.intake.visits import service
from services.intake.visits.schemas import VisitPage, VisitRead
from shared.data.pagination import PageParams
from shared.domain.enums import VerificationMethod
from shared.domain.org_codes import ORG_CODE_PATTERN
from shared.domain.visit_form import VisitForm
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Cipher, Session, Writer

router = APIRouter(prefix="/visits", tags=["visits"])


@router.post(
    "", status_code=201, summary="Submit a verification form (附件1); resubmitting the same visit is safe",
    description=("The client generates `visit_id`. The first submission answers 201. The same `visit_id` with "
                 "the same content answers 200 with the stored visit and changes nothing; with other content, "
                 "409. Data-quality findings are stored with the visit and never block it. A household that "
                 "does not exist or lies outside your scope is a 404, the same answer for both."),
    responses={200: {"model": VisitRead, "description": "already stored: the stored visit"},
               **error_responses(401, 403, 404, 409, 422, 429)},
)
async def submit_visit(form: VisitForm, response: Response, session: Session, principal: Writer,
                       settings: Settings, cipher: Cipher, lookups: Lookups) -> VisitRead:
    # A member brought by ID number alone is looked up in the register (a newborn, someone married in).
    await lookups.admit(sum(1 for m in form.members if m.member_id is None and m.id_number), via="visits.submit")
    visit, created = await service.submit_visit(session, principal=principal, form=form, settings=settings,
                                                cipher=cipher)
    response.status_code = 201 if created else 200
    return visit


@router.get("", summary="Visits in your scope, newest first", responses=error_responses(401, 422))
async def list_visits(
    session: Session,
    _: AnyRole,
    page: PageParams,
    household_id: uuid.UUID | None = None,
    village: Annotated[str | None, Query(pattern=ORG_CODE_PATTERN)] = None,
    method: VerificationMethod | None = None,
) -> VisitPage:
    return await service.list_visits(session, household_id=household_id, village=village, method=method,
                                     limit=page.limit, offset=page.offset)


@router.get("/{visit_id}", summary="One stored visit", responses=error_responses(401, 404))
async def get_visit(visit_id: uuid.UUID, session: Session, _: AnyRole) -> VisitRead:
    return await service.get_visit(session, visit_id=visit_id)
