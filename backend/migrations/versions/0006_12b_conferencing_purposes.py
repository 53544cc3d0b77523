"""conferencing through calendar connections: a Google or Microsoft profile connected for
calendars also serves conferencing (its scope covers it); conferences remember how a meeting
was made (a Teams meeting as an Outlook event)

Revision ID: 0006_12b
Revises: 0006_12_conferencing
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_12b"
down_revision = "0006_12_conferencing"
branch_labels = None
depends_on = None

_profiles = sa.table(
    "profiles",
    sa.column("id", sa.Integer()),
    sa.column("provider_name", sa.String()),
    sa.column("purposes", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("conferences") as batch:
        batch.add_column(sa.Column("meeting_kind", sa.String(length=20), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_profiles.c.id, _profiles.c.purposes).where(
            _profiles.c.provider_name.in_(("google", "microsoft"))
        )
    ).all()
    for profile_id, purposes in rows:
        purposes = list(purposes or [])
        if "calendar" in purposes and "conferencing" not in purposes:
            bind.execute(
                _profiles.update()
                .where(_profiles.c.id == profile_id)
                .values(purposes=sorted({*purposes, "conferencing"}))
            )


def downgrade() -> None:
    # Which profiles had conferencing before cannot be told apart; they keep it.
    with op.batch_alter_table("conferences") as batch:
        batch.drop_column("meeting_kind")
