"""organizations: member roles, invitations, sign-up verification, browser connections

Accounts already in an organization (made with `schedlink create-user --organization`) keep
it; the oldest account of each organization becomes its admin, so none is left unmanaged.

Revision ID: 0008_23b_organizations
Revises: 0006_16
"""

import sqlalchemy as sa
from alembic import op

import backend.models
from backend.core.ids import new_id

revision = "0008_23b_organizations"
down_revision = "0006_16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = backend.models.UTCDateTime(timezone=True)
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("organization_role", sa.String(10), nullable=True))
        batch.add_column(sa.Column("unverified_since", utc, nullable=True))
        # The worker looks for expired sign-ups on every pass: an index, not a table scan.
        batch.create_index("ix_accounts_unverified_since", ["unverified_since"])
    # Not a batch: SQLite would copy the table, which the accounts' foreign keys refuse.
    op.add_column("organizations", sa.Column("public_id", sa.String(40), nullable=True))
    organizations = sa.table("organizations", sa.column("id", sa.Integer),
                             sa.column("public_id", sa.String))  # fmt: skip
    conn = op.get_bind()
    for (org_id,) in conn.execute(sa.select(organizations.c.id)).all():
        conn.execute(
            organizations.update()
            .where(organizations.c.id == org_id)
            .values(public_id=new_id("org"))
        )
    op.create_index("uq_organizations_public_id", "organizations", ["public_id"], unique=True)
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.Integer),
        sa.column("organization_id", sa.Integer),
        sa.column("organization_role", sa.String),
    )
    conn.execute(
        accounts.update()
        .where(accounts.c.organization_id.is_not(None))
        .values(organization_role="member")
    )
    first = (
        sa.select(sa.func.min(accounts.c.id))
        .where(accounts.c.organization_id.is_not(None))
        .group_by(accounts.c.organization_id)
    )
    conn.execute(
        accounts.update().where(accounts.c.id.in_(first)).values(organization_role="admin")
    )
    op.create_table(
        "organization_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "organization_id",
            sa.Integer(),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column(
            "invited_by_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.Column("accepted_at", utc, nullable=True),
        sa.Column("revoked_at", utc, nullable=True),
    )
    op.create_index(
        "ix_invitations_org", "organization_invitations", ["organization_id", "accepted_at"]
    )
    op.create_table(
        "browser_connections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column("challenge", sa.String(64), nullable=False),
        sa.Column("user_code", sa.String(12), nullable=False),
        sa.Column("browser", sa.String(100), nullable=False),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.Column("approved_at", utc, nullable=True),
        sa.Column("used_at", utc, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("browser_connections")
    op.drop_index("ix_invitations_org", table_name="organization_invitations")
    op.drop_table("organization_invitations")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_index("ix_accounts_unverified_since")
        batch.drop_column("unverified_since")
        batch.drop_column("organization_role")
    op.drop_index("uq_organizations_public_id", table_name="organizations")
    op.execute("ALTER TABLE organizations DROP COLUMN public_id")  # SQLite >= 3.35 too
