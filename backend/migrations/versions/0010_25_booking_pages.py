"""reusable booking pages (issue 25) and a link's hours rule (issue 21)

A booking page is a scheduling link of kind "page": its `slug` (unique per owner), the
`durations` the invitee may choose from, and rules of its own over the host's hours rule —
the rule itself (`availability_rule_id`, also for one-time links), buffers, horizon
(`max_days_ahead`) and a `daily_limit` of bookings; notice is the existing
`minimum_notice_minutes`. The host's slug and the old slugs are in 0010_25b_host_slugs. All
nullable: older rows are unchanged.

Revision ID: 0010_25_booking_pages
Revises: 0009_20_real_time, 0009_25_toolkit
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_25_booking_pages"
down_revision = ("0009_20_real_time", "0009_25_toolkit")
branch_labels = None
depends_on = None

LINK_COLUMNS = (
    ("slug", sa.String(length=60)),
    ("durations", sa.JSON()),
    ("availability_rule_id", sa.String(length=255)),
    ("buffer_before_minutes", sa.Integer()),
    ("buffer_after_minutes", sa.Integer()),
    ("max_days_ahead", sa.Integer()),
    ("daily_limit", sa.Integer()),
)


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of scheduling_links would drop the old table, and with
    # foreign keys on that deletes every booking by cascade (see 0009_20).
    for name, type_ in LINK_COLUMNS:
        op.add_column("scheduling_links", sa.Column(name, type_, nullable=True))
    op.create_index(
        "uq_links_account_slug", "scheduling_links", ["account_id", "slug"], unique=True
    )
    op.create_index("ix_bookings_link_start", "bookings", ["link_id", "start_at"])


def downgrade() -> None:
    op.drop_index("ix_bookings_link_start", table_name="bookings")
    op.drop_index("uq_links_account_slug", table_name="scheduling_links")
    for name, _type in reversed(LINK_COLUMNS):
        op.drop_column("scheduling_links", name)
