"""several availability rules per account (one per availability_rule_id, one the default),
available periods, and the host's participation status on events

The existing rule of each account (one row keyed by account) becomes that account's default
rule, under the `availability_rule_id` stored in it ("default" when it had none).

Revision ID: 0008_21_availability_rules
Revises: 0007_13
"""

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0008_21_availability_rules"
down_revision = "0007_13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "availability_rules_new",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("availability_rule_id", sa.String(length=255), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("updated_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "availability_rule_id"),
    )
    conn = op.get_bind()
    old = sa.table(
        "availability_rules",
        sa.column("account_id", sa.Integer),
        sa.column("rule", sa.JSON),
        sa.column("updated_at", backend.models.UTCDateTime(timezone=True)),
    )
    new = sa.table(
        "availability_rules_new",
        sa.column("account_id", sa.Integer),
        sa.column("availability_rule_id", sa.String),
        sa.column("is_default", sa.Boolean),
        sa.column("rule", sa.JSON),
        sa.column("updated_at", backend.models.UTCDateTime(timezone=True)),
    )
    rows = [
        {
            "account_id": account_id,
            "availability_rule_id": str((rule or {}).get("availability_rule_id") or "default"),
            "is_default": True,
            "rule": rule,
            "updated_at": updated_at,
        }
        for account_id, rule, updated_at in conn.execute(sa.select(old))
    ]
    if rows:
        conn.execute(new.insert(), rows)
    op.drop_table("availability_rules")
    op.rename_table("availability_rules_new", "availability_rules")
    op.create_table(
        "available_periods",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("available_period_id", sa.String(length=255), nullable=False),
        sa.Column("start_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "available_period_id"),
    )
    op.create_index(
        "ix_available_periods_time", "available_periods", ["account_id", "start_at", "end_at"]
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("participation_status", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("participation_status")
    op.drop_index("ix_available_periods_time", table_name="available_periods")
    op.drop_table("available_periods")
    op.create_table(
        "availability_rules_old",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("updated_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.execute(
        "INSERT INTO availability_rules_old (account_id, rule, updated_at) "
        "SELECT account_id, rule, updated_at FROM availability_rules WHERE is_default"
    )
    op.drop_table("availability_rules")
    op.rename_table("availability_rules_old", "availability_rules")
