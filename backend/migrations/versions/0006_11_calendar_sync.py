"""calendar services: synced calendars, sync state, booking calendar, booking writes

Revision ID: 0006_11_calendar_sync
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0006_11_calendar_sync"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = backend.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch (copy-and-move) on SQLite would drop the table, and with
    # foreign keys on, that cascades to every event.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE calendars ADD COLUMN profile_id INTEGER "
            "REFERENCES profiles (id) ON DELETE CASCADE"
        )
    else:
        op.add_column("calendars", sa.Column("profile_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_calendars_profile_id", "calendars", "profiles", ["profile_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
    op.create_index("ix_calendars_profile_id", "calendars", ["profile_id"])
    op.add_column("calendars", sa.Column("external_id", sa.Text(), nullable=True))
    for name in ("readonly", "is_primary", "deleted"):
        op.add_column(
            "calendars",
            sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    op.add_column("calendars", sa.Column("sync_token", sa.Text(), nullable=True))
    op.create_table(
        "calendar_syncs",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("initial_sync_required", sa.Boolean(), nullable=False),
        sa.Column("last_synced_at", UTC, nullable=True),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_sync_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("profile_id"),
    )
    op.create_index("ix_calendar_syncs_next_sync_at", "calendar_syncs", ["next_sync_at"])
    op.create_table(
        "booking_calendars",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["calendar_id"], ["calendars.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "booking_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("external_uid", sa.String(length=200), nullable=False),
        sa.Column("external_ref", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["calendar_id"], ["calendars.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id", "calendar_id"),
    )


def downgrade() -> None:
    op.drop_table("booking_writes")
    op.drop_table("booking_calendars")
    op.drop_index("ix_calendar_syncs_next_sync_at", table_name="calendar_syncs")
    op.drop_table("calendar_syncs")
    op.drop_index("ix_calendars_profile_id", table_name="calendars")
    with op.batch_alter_table("calendars") as batch:
        for name in ("sync_token", "deleted", "is_primary", "readonly", "external_id"):
            batch.drop_column(name)
        batch.drop_column("profile_id")
