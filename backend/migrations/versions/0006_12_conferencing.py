"""conferencing: event conferences, the account's default service, links' conferencing

Revision ID: 0006_12_conferencing
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0006_12_conferencing"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("provider_name", sa.String(length=40), nullable=False),
        sa.Column("provider_description", sa.String(length=200), nullable=True),
        sa.Column("join_url", sa.String(length=2000), nullable=True),
        sa.Column("meeting_id", sa.String(length=300), nullable=True),
        sa.Column("pushed", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("mail_job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "ix_conferences_profile_status", "conferences", ["profile_id", "status"], unique=False
    )
    op.create_table(
        "conferencing_defaults",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=12), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("scheduling_links") as batch:
        batch.add_column(sa.Column("conferencing", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduling_links") as batch:
        batch.drop_column("conferencing")
    op.drop_table("conferencing_defaults")
    op.drop_index("ix_conferences_profile_status", table_name="conferences")
    op.drop_table("conferences")
