"""Tokens, production settings and log masking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.enums import Role
from shared.errors import NotAuthenticated
from shared.runtime.logging import mask_sensitive
from shared.runtime.settings import Mode, PlatformSettings
from shared.security.auth import decode_token, issue_token


def settings(**values) -> PlatformSettings:
    return PlatformSettings(_env_file=None, **values)


def test_a_token_round_trips_to_the_same_principal():
    config = settings()
    token = issue_token(config, name="王村干", role=Role.VILLAGE_CADRE, org_code="500151108201", user_id="u1")
    principal = decode_token(config, token)
    assert (principal.user_id, principal.name, principal.role, principal.org_code) == (
        "u1", "王村干", Role.VILLAGE_CADRE, "500151108201")
    assert principal.covers("500151108201") and not principal.covers("500151108202")


def test_a_role_is_issued_only_at_its_level():
    with pytest.raises(ValueError, match="village level"):
        issue_token(settings(), name="x", role=Role.VILLAGE_CADRE, org_code="500151108000")
    with pytest.raises(ValueError, match="12 digits"):
        issue_token(settings(), name="x", role=Role.TOWN_STAFF, org_code="5001511080")


def test_expired_and_foreign_tokens_are_refused():
    config = settings()
    expired = issue_token(config, name="x", role=Role.AUDITOR, org_code="500151000000", ttl=timedelta(minutes=-5))
    with pytest.raises(NotAuthenticated, match="expired"):
        decode_token(config, expired)
    foreign = issue_token(settings(jwt_secret="another-secret-of-another-deployment-xx"), name="x",
                          role=Role.AUDITOR, org_code="500151000000")
    with pytest.raises(NotAuthenticated, match="invalid token"):
        decode_token(config, foreign)


def test_production_names_every_missing_or_default_secret():
    problems = settings(mode=Mode.PRODUCTION).production_problems()
    assert "FANGFAN_REDIS_URL is required" in problems
    assert any("FANGFAN_JWT_SECRET" in p for p in problems)
    assert any("FANGFAN_FIELD_ENCRYPTION_KEY" in p for p in problems)
    ready = settings(mode=Mode.PRODUCTION, redis_url="redis://r:6379/0", jwt_secret="j" * 40,
                     field_encryption_key="k" * 44, blind_index_key="b" * 40)
    assert ready.production_problems() == []


def test_logs_never_carry_id_numbers_or_phones():
    line = mask_sensitive("member 11010519491231002X called from 13812345678")
    assert "11010519491231002X" not in line and "13812345678" not in line
    assert "110105********002X" in line and "138****5678" in line


def test_a_verified_token_still_expires_when_its_time_comes():
    from shared.domain.clock import clock

    config = settings()
    token = issue_token(config, name="x", role=Role.AUDITOR, org_code="500151000000", ttl=timedelta(minutes=10))
    assert decode_token(config, token).name == "x"  # verified and remembered
    with clock.frozen(clock.now() + timedelta(minutes=11)):
        with pytest.raises(NotAuthenticated, match="expired"):
            decode_token(config, token)
