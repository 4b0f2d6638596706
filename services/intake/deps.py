"""Dependencies of the intake routes: the field cipher and the intake settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.intake.settings import IntakeSettings, get_intake_settings
from shared.auth import Principal
from shared.crypto import FieldCipher, field_cipher
from shared.deps import Runtime
from shared.domain.enums import Role

WRITER_ROLES = (Role.VILLAGE_CADRE, Role.TOWN_STAFF, Role.DISTRICT_ADMIN)


async def get_cipher(runtime: Runtime) -> FieldCipher:
    return field_cipher(runtime.platform)


async def get_settings() -> IntakeSettings:
    return get_intake_settings()


def require_writer(principal: Principal) -> None:
    """Refuse read-only roles before any work (the session's flush guard would refuse them anyway)."""
    principal.require_role(*WRITER_ROLES)


Cipher = Annotated[FieldCipher, Depends(get_cipher)]
Settings = Annotated[IntakeSettings, Depends(get_settings)]
