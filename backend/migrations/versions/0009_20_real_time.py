"""Real-Time Scheduling (issue 20): a scheduling link of kind "real_time"

A real-time scheduling link is an ordinary scheduling link made from a Cronofy availability
query. It keeps on its row what the query asked for: `kind` ("one_time" for every link made
before), the availability query itself (`rts_query`, normalised), the event template
(`rts_event`), where the event goes (`target_calendars`, `event_creation`), whom to tell
(`callback_urls`), where the invitee goes after booking (`redirect_completed_url`), the
`minimum_notice_minutes`, and when a page with no times was reported (`no_times_reported_at`,
so `no_times_displayed_url` is called once).

Revision ID: 0009_20_real_time
Revises: 0008_23_link_hosts
"""

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision = "0009_20_real_time"
down_revision = "0008_23_link_hosts"
branch_labels = None
depends_on = None

COLUMNS = (
    "kind", "rts_query", "rts_event", "target_calendars", "event_creation", "callback_urls",
    "redirect_completed_url", "minimum_notice_minutes", "no_times_reported_at",
)  # fmt: skip


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of scheduling_links would drop the old table, and with
    # foreign keys on that deletes every booking by cascade.
    op.add_column(
        "scheduling_links",
        sa.Column("kind", sa.String(length=12), server_default="one_time", nullable=False),
    )
    op.add_column("scheduling_links", sa.Column("rts_query", sa.JSON(), nullable=True))
    op.add_column("scheduling_links", sa.Column("rts_event", sa.JSON(), nullable=True))
    op.add_column("scheduling_links", sa.Column("target_calendars", sa.JSON(), nullable=True))
    op.add_column(
        "scheduling_links", sa.Column("event_creation", sa.String(length=10), nullable=True)
    )
    op.add_column("scheduling_links", sa.Column("callback_urls", sa.JSON(), nullable=True))
    op.add_column(
        "scheduling_links",
        sa.Column("redirect_completed_url", sa.String(length=2000), nullable=True),
    )
    op.add_column(
        "scheduling_links", sa.Column("minimum_notice_minutes", sa.Integer(), nullable=True)
    )
    op.add_column(
        "scheduling_links",
        sa.Column("no_times_reported_at", UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("scheduling_links", name)
