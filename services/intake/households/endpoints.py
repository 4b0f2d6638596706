"""Routes of households and members."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.intake.households import service
from services.intake.households.announcement import (
    HouseholdAnnouncementCreate,
    announcement_prefix,
)
from services.intake.households.id_checks import Lookups
from services.intake.households.repository import HouseholdFilter
from services.intake.households.schemas import (
    HouseholdCreate,
    HouseholdPage,
    HouseholdRead,
    HouseholdUpdate,
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberRemoval,
    MemberReveal,
    MemberUpdate,
)
from shared.data.pagination import PageParams
from shared.domain.enums import HouseholdKind, KeyTargetGroup
from shared.domain.org_codes import (
    LEADING_DIGITS_PATTERN,
    ORG_CODE_PATTERN,
    code_of_prefix,
)
from shared.errors import error_responses
from shared.runtime.dependencies import (
    AnyRole,
    Cipher,
    DistrictAdmin,
    Revealer,
    Runtime,
    Session,
    Writer,
)
from shared.runtime.platform.schemas import JobAccepted, accepted

router = APIRouter(tags=["households"])

SinceToken = Annotated[str | None, Query(
    max_length=6000, description="sync token (next_sync_token of an earlier answer): only what changed since it",
    examples=["eyJ2IjoxLCJsIjoiaG91c2Vob2xkcyIsInMiOiI3NDIxOTM6NzQyMjAxOjc0MjE5NSIsInZpbGxhZ2UiOiI1MDAxNTExMDgy"
              "MDEiLCJvcmciOm51bGwsInciOm51bGwsImEiOm51bGx9.3f9a1c0b7e2d4a6f8b1c2d3e4f5a6b7c"])]


@router.post("/households", status_code=201, summary="Register a household with its members (农户登记)",
             description="A village outside your scope is not found (404), as any household outside it is.",
             responses=error_responses(401, 403, 404, 409, 422, 429))
async def create_household(data: HouseholdCreate, session: Session, principal: Writer,
                           cipher: Cipher, lookups: Lookups) -> HouseholdRead:
    await lookups.admit(len(data.members), via="households.create")
    return await service.create_household(session, data=data, cipher=cipher)


@router.get("/households", summary="Households in your scope, with their members; a phone syncs with since",
            description="The first page (no offset) carries next_sync_token. Follow it page by page (has_more), "
                        "keep the last page's token, and send it back as since later: the answer holds only the "
                        "households changed since, each with its live members, and removed_members (tombstones). "
                        "A token not issued by this server, or for another village/org, is a 422 at query.since.",
            responses=error_responses(401, 422, 429))
async def list_households(
    session: Session,
    _: AnyRole,
    cipher: Cipher,
    lookups: Lookups,
    page: PageParams,
    village: Annotated[str | None, Query(pattern=ORG_CODE_PATTERN, description="a village code (村)")] = None,
    org: Annotated[str | None, Query(pattern=LEADING_DIGITS_PATTERN, description="any org-code prefix")] = None,
    group: Annotated[str | None, Query(max_length=40, description="村民小组/社")] = None,
    kind: HouseholdKind | None = None,
    key_target_group: KeyTargetGroup | None = None,
    household_number: Annotated[str | None, Query(max_length=40)] = None,
    id_number: Annotated[str | None, Query(max_length=40, description="exact ID number of a live member")] = None,
    since: SinceToken = None,
) -> HouseholdPage:
    if id_number is not None:
        await lookups.admit(1, via="households.list")
    criteria = HouseholdFilter(village=village, org=org, group_name=group, kind=kind, key_target_group=key_target_group,
                               household_number=household_number,
                               id_number_index=service.id_number_filter(id_number, cipher))
    return await service.list_households(session, criteria=criteria, limit=page.limit, offset=page.offset,
                                         cipher=cipher, since=since)


@router.get("/households/{household_id}", summary="One household with its members", responses=error_responses(401, 404))
async def get_household(household_id: uuid.UUID, session: Session, _: AnyRole) -> HouseholdRead:
    return await service.get_household(session, household_id=household_id)


@router.patch("/households/{household_id}", summary="Change a household's register data",
              responses=error_responses(401, 403, 404, 422))
async def update_household(household_id: uuid.UUID, data: HouseholdUpdate, session: Session,
                           _: Writer) -> HouseholdRead:
    return await service.update_household(session, household_id=household_id, data=data)


@router.post("/households/{household_id}/members", status_code=201, summary="Add a member to a household",
             responses=error_responses(401, 403, 404, 409, 422, 429))
async def add_member(household_id: uuid.UUID, data: MemberCreate, session: Session, _: Writer,
                     cipher: Cipher, lookups: Lookups) -> MemberRead:
    await lookups.admit(1, via="members.add")
    return await service.add_member(session, household_id=household_id, data=data, cipher=cipher)


@router.get("/members", summary="Members in your scope; a phone syncs with since, removals as tombstones",
            description="The first page (no offset) holds live members and next_sync_token. Follow it page by page "
                        "(has_more), keep the last page's token, and send it back as since later: the answer holds "
                        "only the members changed since, live ones in items and removed ones (died, married out, "
                        "moved out) in removed_members. A token not issued by this server, or for another list, "
                        "is a 422 at query.since.",
            responses=error_responses(401, 422))
async def list_members(
    session: Session,
    _: AnyRole,
    cipher: Cipher,
    page: PageParams,
    village: Annotated[str | None, Query(pattern=ORG_CODE_PATTERN, description="a village code (村)")] = None,
    org: Annotated[str | None, Query(pattern=LEADING_DIGITS_PATTERN, description="any org-code prefix")] = None,
    since: SinceToken = None,
) -> MemberPage:
    return await service.list_members(session, village=village, org=org, limit=page.limit, offset=page.offset,
                                      cipher=cipher, since=since)


@router.patch("/members/{member_id}", summary="Correct or update a member",
              responses=error_responses(401, 403, 404, 409, 422, 429))
async def update_member(member_id: uuid.UUID, data: MemberUpdate, session: Session, _: Writer,
                        cipher: Cipher, lookups: Lookups) -> MemberRead:
    await lookups.admit(1 if data.id_number is not None else 0, via="members.update")
    return await service.update_member(session, member_id=member_id, data=data, cipher=cipher)


@router.post("/members/{member_id}/removal", status_code=204, summary="A member leaves the household",
             responses=error_responses(401, 403, 404, 422))
async def remove_member(member_id: uuid.UUID, data: MemberRemoval, session: Session,
                        _: Writer) -> Response:
    await service.remove_member(session, member_id=member_id, reason=data.reason)
    return Response(status_code=204)


@router.post("/members/{member_id}/reveal",
             summary="A member's clear ID number and phone (town staff and district admins; audited)",
             responses=error_responses(401, 403, 404))
async def reveal_member(member_id: uuid.UUID, session: Session, principal: Revealer,
                        cipher: Cipher) -> MemberReveal:
    return await service.reveal_member(session, principal=principal, member_id=member_id, cipher=cipher)


@router.post("/households/announcement", status_code=202,
             summary="Announce every household of a scope again to the other services (district admin), as a job",
             description=("Republishes `household.changed` (`change`: `announced`) for every household under "
                          "`org_prefix`, as it stands, with its live members' blind indexes: households "
                          "registered before the indexes were announced, or whose events were pruned, become "
                          "known to alerts' matching. Harmless to repeat: consumers keep the latest event. "
                          "Answers `202` with a job id and a `Location` to poll (`GET /intake/jobs/{id}`): "
                          "progress in households, then the report (`HouseholdAnnouncementReport`)."),
             responses=error_responses(403, 422))
async def announce_households(session: Session, principal: DistrictAdmin, body: HouseholdAnnouncementCreate,
                              runtime: Runtime, response: Response) -> JobAccepted:
    prefix = announcement_prefix(principal, body)
    record = await runtime.jobs.submit(session, name="households.announce", org_code=code_of_prefix(prefix),
                                       params={"org_prefix": prefix})
    return accepted(response, runtime, record)
