"""Enterprise Connect: profiles.enterprise_error (why a member's authorization failed, for the
Team page's per-member status), and member profiles make meetings too (Teams/Meet on the
booking's own event), so those made before get the "conferencing" purpose.

Revision ID: 0010_24_enterprise_status
Revises: 0009_24_enterprise
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_24_enterprise_status"
down_revision = "0009_24_enterprise"
branch_labels = None
depends_on = None

_profiles = sa.table(
    "profiles",
    sa.column("id", sa.Integer),
    sa.column("purposes", sa.JSON),
    sa.column("enterprise_connection_id", sa.Integer),
)


def _purposes(change) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_profiles.c.id, _profiles.c.purposes).where(
            _profiles.c.enterprise_connection_id.is_not(None)
        )
    ).all()
    for row_id, purposes in rows:
        if isinstance(purposes, str):  # a driver that hands JSON back as text
            purposes = json.loads(purposes)
        new = change(list(purposes or []))
        if new != purposes:
            bind.execute(sa.update(_profiles).where(_profiles.c.id == row_id).values(purposes=new))


def upgrade() -> None:
    op.add_column("profiles", sa.Column("enterprise_error", sa.String(32), nullable=True))
    _purposes(lambda p: p if "conferencing" in p else [*p, "conferencing"])


def downgrade() -> None:
    _purposes(lambda p: [x for x in p if x != "conferencing"])
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("enterprise_error")
