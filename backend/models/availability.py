"""Stored availability: rules (working hours), several per account, one per
`availability_rule_id`, one of them the default; and available periods (one-off windows)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AvailabilityRuleRow(Base):
    __tablename__ = "availability_rules"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    availability_rule_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    # The rule used where none is named (the booking page, PUT /v1/availability_rules).
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rule: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AvailablePeriodRow(Base):
    """A one-off window in which the account is available (added to its managed hours)."""

    __tablename__ = "available_periods"
    __table_args__ = (Index("ix_available_periods_time", "account_id", "start_at", "end_at"),)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    available_period_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
