"""Who may sign in to the web apps: staff accounts, browser sessions, sign-in codes, throttling.

Secrets are never stored as given: passwords as argon2 hashes, session tokens as SHA-256
(they are 256-bit random), phone numbers and sign-in codes as keyed HMACs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class StaffAccount(Base):
    """An admin (every institution) or an operator of one institution, signing in to the console."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # lower case
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its parameters
    role: Mapped[str] = mapped_column(String(16))  # central.core.security.Role: admin or operator
    institution_id: Mapped[str | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser: the cookie holds the token, this row its hash. Deleting the row ends it."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # central.accounts.SessionKind
    staff_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"),
                                                    index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # absolute; idle expiry from last_seen_at


class SignInCode(Base):
    """A one-time code sent to a resident's phone: HMAC of salt and code, single use, few tries."""

    __tablename__ = "sign_in_codes"
    __table_args__ = (Index("ix_sign_in_codes_phone_created", "phone_hash", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]


class ThrottleEvent(Base):
    """One counted event (a failed login, a code sent) for one key of one bucket; counted in a window."""

    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_bucket_key_at", "bucket", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(32))  # central.accounts.Bucket
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the username, address or phone hash
    at: Mapped[datetime] = mapped_column(index=True)
