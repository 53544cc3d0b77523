"""Enterprise Connect: enterprise_connections, and profiles.enterprise_connection_id

Revision ID: 0009_24_enterprise
Revises: 0008_23b_organizations
"""

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0009_24_enterprise"
down_revision = "0008_23b_organizations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = backend.models.UTCDateTime(timezone=True)
    op.create_table(
        "enterprise_connections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column("organization_id", sa.Integer,
                  sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("provider_name", sa.String(20), nullable=False),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("consent_state", sa.String(64), nullable=True, unique=True),
        sa.Column("redirect_uri", sa.Text, nullable=True),
        sa.Column("credentials", sa.Text, nullable=True),
        sa.Column("service_account_email", sa.String(255), nullable=True),
        sa.Column("disconnected_reason", sa.Text, nullable=True),
        sa.Column("created_by", sa.Integer,
                  sa.ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", utc, nullable=False),
    )  # fmt: skip
    op.create_index("ix_enterprise_connections_org", "enterprise_connections", ["organization_id"])
    # Not a batch: SQLite would copy the table, which other tables' foreign keys refuse; its
    # ADD COLUMN takes a REFERENCES clause (a NULL default), which Alembic does not write.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE profiles ADD COLUMN enterprise_connection_id INTEGER "
            "REFERENCES enterprise_connections (id) ON DELETE CASCADE"
        )
    else:
        op.add_column(
            "profiles",
            sa.Column("enterprise_connection_id", sa.Integer,
                      sa.ForeignKey("enterprise_connections.id", ondelete="CASCADE"),
                      nullable=True),
        )  # fmt: skip
    op.create_index(
        "ix_profiles_enterprise_connection_id", "profiles", ["enterprise_connection_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_profiles_enterprise_connection_id", "profiles")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("enterprise_connection_id")
    op.drop_index("ix_enterprise_connections_org", "enterprise_connections")
    op.drop_table("enterprise_connections")
