"""Element tokens: short-lived credentials for the embeddable UI Elements (issue 22)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.ids import new_id
from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .accounts import Account


class ElementToken(Base):
    __tablename__ = "element_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    # What the API and the API keys page name a token by (etk_…): its maker lists and revokes it.
    public_id: Mapped[str] = mapped_column(
        String(40), unique=True, index=True, default=lambda: new_id("etk")
    )
    # The account whose API key made the token: the token never does more than that key.
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # 256-bit random, so a plain SHA-256 is enough at rest (as for API keys).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    origin: Mapped[str] = mapped_column(String(300))
    permissions: Mapped[list] = mapped_column(JSON)
    subs: Mapped[list] = mapped_column(JSON)
    version: Mapped[str] = mapped_column(String(10), default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
