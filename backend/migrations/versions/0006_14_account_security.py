"""account security: server-side sessions, TOTP, recovery codes, passkeys, hour format

Revision ID: 0006_14
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0006_14"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("hour_format", sa.String(2), nullable=False, server_default="24")
        )
        batch.add_column(sa.Column("totp_secret", sa.String(400), nullable=True))
        batch.add_column(sa.Column("totp_pending_secret", sa.String(400), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("webauthn_user_id", sa.LargeBinary(64), nullable=True))
    utc = backend.models.UTCDateTime(timezone=True)
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("last_seen_at", utc, nullable=False),
        sa.Column("reauth_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.Column("revoked_at", utc, nullable=True),
    )
    op.create_index("ix_user_sessions_account", "user_sessions", ["account_id", "revoked_at"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("used_at", utc, nullable=True),
    )
    op.create_index("ix_recovery_codes_account_id", "recovery_codes", ["account_id"])
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(1024), nullable=False, unique=True),
        sa.Column("public_key", sa.LargeBinary(2048), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("last_used_at", utc, nullable=True),
    )
    op.create_index("ix_passkeys_account_id", "passkeys", ["account_id"])


def downgrade() -> None:
    op.drop_table("passkeys")
    op.drop_table("recovery_codes")
    op.drop_table("user_sessions")
    with op.batch_alter_table("accounts") as batch:
        for column in (
            "webauthn_user_id", "totp_last_step", "totp_pending_secret", "totp_secret",
            "hour_format",
        ):  # fmt: skip
            batch.drop_column(column)
