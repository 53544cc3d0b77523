"""reusable booking pages (issue 25) and a link's hours rule (issue 21)

A booking page is a scheduling link of kind "page": its `slug` (unique per owner), the
`durations` the invitee may choose from, and rules of its own over the host's hours rule —
the rule itself (`availability_rule_id`, also for one-time links), buffers, horizon
(`max_days_ahead`) and a `daily_limit` of bookings; notice is the existing
`minimum_notice_minutes`. Accounts get a public `slug` (/<slug>/<page-slug>) and the opt-in
`public_profile` listing their active pages. `old_slugs` keeps every slug a host or page had,
so old addresses redirect. All nullable (or defaulted): older rows are unchanged.

Revision ID: 0010_25_booking_pages
Revises: 0009_20_real_time, 0009_25_toolkit
"""

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

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
    op.add_column("accounts", sa.Column("slug", sa.String(length=60), nullable=True))
    op.add_column(
        "accounts",
        sa.Column("public_profile", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("uq_accounts_slug", "accounts", ["slug"], unique=True)
    op.create_table(
        "old_slugs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["link_id"], ["scheduling_links.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_old_slugs_slug", "old_slugs", ["slug", "account_id"])


def downgrade() -> None:
    op.drop_index("ix_old_slugs_slug", table_name="old_slugs")
    op.drop_table("old_slugs")
    op.drop_index("uq_accounts_slug", table_name="accounts")
    op.drop_column("accounts", "public_profile")
    op.drop_column("accounts", "slug")
    op.drop_index("ix_bookings_link_start", table_name="bookings")
    op.drop_index("uq_links_account_slug", table_name="scheduling_links")
    for name, _type in reversed(LINK_COLUMNS):
        op.drop_column("scheduling_links", name)
