"""Enterprise Connect: one organization's connection to its Microsoft 365 tenant (admin
consent, app-only Graph) or Google Workspace domain (a service account with domain-wide
delegation). Member profiles made through it carry `profiles.enterprise_connection_id`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class EnterpriseConnection(Base):
    __tablename__ = "enterprise_connections"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    provider_name: Mapped[str] = mapped_column(String(20))  # microsoft | google
    # Microsoft: the tenant as entered, then its id from the consent; Google: the domain.
    tenant: Mapped[str] = mapped_column(String(255))
    # pending (consent not given yet) | active | disconnected
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # The admin-consent round trip: our state, and where the admin's browser goes afterwards.
    consent_state: Mapped[str | None] = mapped_column(String(64), unique=True)
    redirect_uri: Mapped[str | None] = mapped_column(Text)
    # Sealed JSON: the service account key (Google), the cached app token (Microsoft).
    credentials: Mapped[str | None] = mapped_column(Text)
    service_account_email: Mapped[str | None] = mapped_column(String(255))
    disconnected_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_enterprise_connections_org", "organization_id"),)
