"""the host changes a booking (issue 25): who moved it last and why; a host's open proposal

Bookings get `rescheduled_by` ("invitee" or "host") and `reschedule_reason` (the last move's,
as `cancelled_by`/`cancel_reason` are the cancellation's), and a host's request that the
invitee pick a new time: `proposed_at`, `proposed_by` (the host's `sub`, a snapshot like the
invitee's name) and `proposal_message`. All nullable: older rows read as "never moved, nothing
proposed".

Revision ID: 0010_25_host_changes
Revises: 0009_25_toolkit
"""

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision = "0010_25_host_changes"
down_revision = "0009_25_toolkit"
branch_labels = None
depends_on = None

COLUMNS = (
    ("rescheduled_by", sa.String(length=10)),
    ("reschedule_reason", sa.String(length=1000)),
    ("proposed_at", UTCDateTime()),
    ("proposed_by", sa.String(length=40)),
    ("proposal_message", sa.String(length=1000)),
)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy: a copy of bookings would cascade-delete its seats).
    for name, type_ in COLUMNS:
        op.add_column("bookings", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _type in reversed(COLUMNS):
        op.drop_column("bookings", name)
