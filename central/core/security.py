"""Bearer tokens: 256-bit random, shown once, stored as SHA-256; and who the caller is."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from central import db
from central.errors import ConflictError, ForbiddenError, NotFoundError
from central.listing import Page, PageRequest, page_of

TOKEN_PREFIX = "pc_"


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"  # of one institution: its sites only
    RESIDENT = "resident"  # own contracts only


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    institution_id: str | None = None
    resident_id: str | None = None

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise ForbiddenError(f"role {self.role} may not do this")

    def may_manage_site(self, site: db.Site) -> bool:
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.OPERATOR and site.institution_id == self.institution_id

    def may_see_contract(self, contract: db.Contract, site: db.Site) -> bool:
        if self.role is Role.RESIDENT:
            return contract.resident_id == self.resident_id
        return self.may_manage_site(site)


def visible_site_ids(principal: Principal) -> Select[Any] | None:
    """A subquery of the sites the caller manages, or None for an admin (all sites)."""
    if principal.role is Role.ADMIN:
        return None
    return select(db.Site.id).where(db.Site.institution_id == (principal.institution_id or ""))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, role: Role, now: datetime, *, name: str = "",
                 institution_id: str | None = None, resident_id: str | None = None,
                 expires_at: datetime | None = None) -> str:
    """Store a new token and return its text (the only time it is seen)."""
    if role is Role.OPERATOR and not institution_id:
        raise ValueError("an operator token needs an institution")
    if role is Role.RESIDENT and not resident_id:
        raise ValueError("a resident token needs a resident")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(db.ApiToken(token_hash=hash_token(token), name=name, role=role.value,
                            institution_id=institution_id, resident_id=resident_id,
                            created_at=now, expires_at=expires_at))
    session.flush()
    return token


def principal_for(session: Session, token: str, now: datetime) -> Principal | None:
    """The caller behind a token, or None when it is unknown, expired or revoked."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = session.scalars(select(db.ApiToken).where(db.ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Principal(Role(row.role), row.institution_id, row.resident_id)


def list_tokens(session: Session, actor: Principal, page: PageRequest,
                include_revoked: bool = True) -> Page[db.ApiToken]:
    """Tokens (admins only), newest first; the rows hold hashes, never a token's text."""
    actor.require(Role.ADMIN)
    query = select(db.ApiToken).order_by(db.ApiToken.created_at.desc(), db.ApiToken.id.desc())
    if not include_revoked:
        query = query.where(db.ApiToken.revoked_at.is_(None))
    return page_of(session, query, page)


def revoke_token(session: Session, actor: Principal, token_id: int, now: datetime) -> db.ApiToken:
    """Refuse a token from now on (admins only); revoking it twice is a conflict."""
    actor.require(Role.ADMIN)
    row = session.get(db.ApiToken, token_id)
    if row is None:
        raise NotFoundError("token", str(token_id))
    if row.revoked_at is not None:
        raise ConflictError(f"token {token_id} was already revoked")
    row.revoked_at = now
    session.flush()
    return row
