"""webhook signing secrets sealed at rest (like OAuth tokens)

Rows written before this revision hold `whsec_…` in clear; they are sealed here with the
app's sealer, which `database.migrate` passes in (`schedlink` always does). Sealed values are
Fernet tokens and never start with `whsec_`, so running it twice changes nothing.

Revision ID: 0007_13
Revises: 0006_13
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0007_13"
down_revision = "0006_13"
branch_labels = None
depends_on = None

CLEAR = "whsec_"
secrets = sa.table(
    "webhook_secrets",
    sa.column("account_id", sa.Integer),
    sa.column("secret", sa.String),
    sa.column("previous", sa.String),
)


def _sealer(direction: str):
    sealer = context.config.attributes.get("sealer")
    if sealer is None:
        raise RuntimeError(
            f"webhook signing secrets must be {direction} with the app's secret key: "
            "run `schedlink migrate` (or pass the app's sealer to database.migrate)"
        )
    return sealer


def _convert(wanted, change, direction: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(secrets)).all()
    todo = [r for r in rows if wanted(r.secret) or (r.previous and wanted(r.previous))]
    if not todo:
        return
    convert = change(_sealer(direction))
    for r in todo:
        conn.execute(
            secrets.update()
            .where(secrets.c.account_id == r.account_id)
            .values(
                secret=convert(r.secret) if wanted(r.secret) else r.secret,
                previous=convert(r.previous) if r.previous and wanted(r.previous) else r.previous,
            )
        )


def upgrade() -> None:
    _convert(lambda v: v.startswith(CLEAR), lambda sealer: sealer.seal, "sealed")


def downgrade() -> None:
    _convert(lambda v: not v.startswith(CLEAR), lambda sealer: sealer.unseal, "opened")
