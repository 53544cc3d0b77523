"""booking pages' addresses (issue 25): the host's slug, the opt-in public profile, old slugs

Accounts get a public `slug` (/<slug>/<page slug>; unique) and the opt-in `public_profile`
listing their active booking pages. `old_slugs` keeps every slug a host (`link_id` NULL) or a
booking page had, so old addresses redirect. On the accounts branch (not after 0007_13), so
a database taken back below 0007_13 still has every column of `accounts`.

Revision ID: 0010_25b_host_slugs
Revises: 0009_24_enterprise
"""

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision = "0010_25b_host_slugs"
down_revision = "0009_24_enterprise"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
