"""Passwords (scrypt via werkzeug), and random tokens stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

TOKEN_PREFIX = "sf_"  # noqa: S105 (a label that makes leaked tokens easy to spot, not a secret)
MIN_PASSWORD_LENGTH = 12
# A real hash to compare against when the user does not exist, so a wrong name costs the same
# time as a wrong password and timing does not reveal which names exist.
_DECOY_HASH = generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def password_matches(stored_hash: str | None, password: str) -> bool:
    return check_password_hash(stored_hash or _DECOY_HASH, password) and stored_hash is not None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 1024:
        return "a password may have at most 1,024 characters"
    return None


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_secret(one: str, two: str) -> bool:
    return hmac.compare_digest(one.encode(), two.encode())
