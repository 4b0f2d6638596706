"""Tokens, production settings and log masking."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from shared.domain.clock import clock
from shared.domain.enums import Role
from shared.errors import NotAuthenticated
from shared.runtime.logging import mask_sensitive
from shared.runtime.settings import (
    DEV_BLIND_INDEX_KEY,
    DEV_FIELD_KEY,
    DEV_JWT_SECRET,
    Mode,
    PlatformSettings,
    RefusedToStart,
)
from shared.security.auth import (
    ALGORITHM,
    decode_token,
    issue_token,
)
from tests.conftest import DISTRICT, VILLAGE


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
    with pytest.raises(ValueError, match="12 ASCII digits"):
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
    assert production(**OWN_SECRETS).production_problems() == []


# Secrets of a deployment's own: two Fernet keys (the second only decrypts, after a rotation).
OWN_FIELD_KEY = "b3duLWZpZWxkLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE="
OLD_FIELD_KEY = "b2xkLWZpZWxkLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE="
OWN_SECRETS = {"jwt_secret": "own-jwt-secret-0123456789abcdef0123456789",
               "field_encryption_key": f"{OWN_FIELD_KEY},{OLD_FIELD_KEY}",
               "blind_index_key": "own-blind-index-key-0123456789abcdef01234"}


def production(**values) -> PlatformSettings:
    return settings(mode=Mode.PRODUCTION, redis_url="redis://r:6379/0", **values)


@pytest.mark.parametrize("field_key", [
    f"{DEV_FIELD_KEY},",  # a trailing comma: the list is still the development key alone
    f" {DEV_FIELD_KEY}",  # blanks are stripped before use
    f"{OWN_FIELD_KEY},{DEV_FIELD_KEY}",  # the public key kept for decryption
    "dev,dev",  # long enough as a whole, but neither part is a key
    "k" * 44,  # the length of a Fernet key, but not one
])
def test_production_refuses_field_keys_the_code_would_read_as_development_or_broken(field_key):
    problems = production(**{**OWN_SECRETS, "field_encryption_key": field_key}).production_problems()
    assert any(p.startswith("FANGFAN_FIELD_ENCRYPTION_KEY") for p in problems), problems


@pytest.mark.parametrize(("name", "value"), [
    ("jwt_secret", f" {DEV_JWT_SECRET} "),
    ("blind_index_key", DEV_BLIND_INDEX_KEY + "\n"),
    ("jwt_secret", DEV_FIELD_KEY),  # another kind's development default is public just the same
])
def test_production_refuses_a_development_secret_with_blanks_around_it(name, value):
    problems = production(**{**OWN_SECRETS, name: value}).production_problems()
    assert any("development default" in p for p in problems), problems


@pytest.mark.parametrize(("name", "value", "other"), [
    ("blind_index_key", OWN_SECRETS["jwt_secret"], "FANGFAN_JWT_SECRET"),
    ("jwt_secret", OLD_FIELD_KEY, "FANGFAN_FIELD_ENCRYPTION_KEY"),
    ("blind_index_key", OWN_FIELD_KEY, "FANGFAN_FIELD_ENCRYPTION_KEY"),
])
def test_production_refuses_one_secret_used_for_two_purposes(name, value, other):
    problems = production(**{**OWN_SECRETS, name: value}).production_problems()
    assert any(other in p and "different secrets" in p for p in problems), problems


@pytest.mark.parametrize("field_key", ["k" * 44, "not-a-key", ","])
def test_any_mode_refuses_to_start_with_a_field_key_that_cannot_work(field_key):
    embedded = settings(field_encryption_key=field_key)
    with pytest.raises(RefusedToStart, match="FANGFAN_FIELD_ENCRYPTION_KEY"):
        embedded.require_usable()
    settings().require_usable()  # the development defaults do work


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


def signed(config: PlatformSettings, *, iat_in: int = 0, exp_in: int = 3600, **overrides) -> str:
    """A token signed with the deployment's own secret (as a holder of it could make), claims overridden.

    ``iat_in`` and ``exp_in`` are seconds from now, taken when the token is made.
    """
    now = _now()
    claims = {"sub": "u1", "name": "王村干", "role": "village_cadre", "org": VILLAGE, "iss": config.jwt_issuer,
              "iat": now + iat_in, "exp": now + exp_in} | overrides
    return jwt.encode(claims, config.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def _now() -> int:
    return int(clock.now().timestamp())


@pytest.mark.parametrize(("claims", "reason"), [
    ({"org": "５００１５１１０８２０１"}, "12 ASCII digits"),  # full-width digits
    ({"org": VILLAGE + "\n"}, "12 ASCII digits"),
    ({"org": 500151108201}, "string"),
    ({"role": "district_admin", "org": "000000000000"}, "no real district"),
    ({"role": "auditor", "org": "000000000000"}, "no real district"),
    ({"role": "village_cadre", "org": "500151000201"}, "no real village"),  # a village of no township
    ({"exp_in": 100 * 365 * 86400}, "lifetime"),
    ({"iat_in": 120}, "iat"),
    ({"name": "名" * 121}, "name must be at most 120"),
    ({"sub": "u" * 121}, "sub must be at most 120"),
    ({"sub": ""}, "sub must be a non-empty string"),
    ({"sub": 7}, "(?i)subject must be a string"),
])
def test_decode_refuses_claims_that_are_not_strictly_valid(claims, reason):
    config = settings()
    with pytest.raises(NotAuthenticated, match=reason) as refused:
        decode_token(config, signed(config, **claims))
    assert refused.value.status_code == 401


def test_decode_accepts_claims_at_their_bounds():
    config = settings()
    at_bounds = signed(config, iat_in=50, exp_in=24 * 3600, name="名" * 120, sub="u" * 120)
    assert decode_token(config, at_bounds).name == "名" * 120
    longer_allowed = settings(jwt_max_lifetime_minutes=48 * 60)
    assert decode_token(longer_allowed, signed(longer_allowed, exp_in=48 * 3600)).user_id == "u1"


def test_issue_refuses_what_decode_would_refuse():
    config = settings()
    with pytest.raises(ValueError, match="12 ASCII digits"):
        issue_token(config, name="x", role=Role.TOWN_STAFF, org_code="５００１５１１０８０００")
    with pytest.raises(ValueError, match="no real district"):
        issue_token(config, name="x", role=Role.DISTRICT_ADMIN, org_code="000000000000")
    with pytest.raises(ValueError, match="lifetime"):
        issue_token(config, name="x", role=Role.AUDITOR, org_code=DISTRICT, ttl=timedelta(days=36500))
    with pytest.raises(ValueError, match="name must be at most 120"):
        issue_token(config, name="名" * 121, role=Role.AUDITOR, org_code=DISTRICT)


@pytest.mark.asyncio
async def test_a_refused_claim_is_a_401_with_the_reason(system):
    token = signed(system.settings, name="名" * 121)
    response = await system.client.get("/intake/households", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "NotAuthenticated" and "name must be at most 120 characters" in body["detail"]


@pytest.mark.parametrize("algorithm", ["none", "HS512", "HS384"])
def test_a_token_in_another_algorithm_is_refused_even_with_valid_claims(algorithm):
    """``alg: none`` (no signature at all) and a different HMAC than the deployment's are both refused."""
    config = settings()
    now = _now()
    claims = {"sub": "u1", "name": "王村干", "role": "district_admin", "org": DISTRICT, "iss": config.jwt_issuer,
              "iat": now, "exp": now + 600}
    key = None if algorithm == "none" else config.jwt_secret.get_secret_value()
    token = jwt.encode(claims, key, algorithm=algorithm)
    with pytest.raises(NotAuthenticated) as refused:
        decode_token(config, token)
    assert refused.value.status_code == 401


@pytest.mark.asyncio
async def test_a_token_for_a_role_or_org_it_does_not_hold_changes_nothing(system):
    """A valid token is held to its own role and org: a cadre cannot act as the township or another village."""
    from tests.factories.intake import household_payload

    cadre = system.headers("village_cadre", VILLAGE)
    other_village = await system.client.post("/intake/households", json=household_payload("500151108202"),
                                             headers=cadre)
    assert other_village.status_code in (403, 404), other_village.text
    district_only = await system.client.post("/ledger/households/rebuild", headers=cadre)
    assert district_only.status_code == 403, district_only.text
    listed = await system.client.get("/intake/households", headers=system.headers("town_staff", "500151108000"))
    assert listed.json()["total"] == 0


def test_a_keyword_no_settings_class_has_is_refused_while_other_services_variables_are_ignored(monkeypatch):
    from shared.runtime.settings import service_settings_class

    with pytest.raises(TypeError, match="PlatformSettings has no setting database_pool_size"):
        settings(database_pool_size=4)  # a service's setting, not the platform's
    with pytest.raises(TypeError, match="IntakeSettings has no setting pool_size"):
        service_settings_class("intake")(_env_file=None, pool_size=4)
    monkeypatch.setenv("FANGFAN_DATABASE_POOL_SIZE", "4")  # names no setting: ignored, as other services' are
    monkeypatch.setenv("FANGFAN_INTAKE_DATABASE_POOL_SIZE", "7")
    assert service_settings_class("intake")(_env_file=None).database_pool_size == 7
    assert settings().mode is Mode.EMBEDDED
