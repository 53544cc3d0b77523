"""a consent is bound to a browser, and an API-started one waits for confirmation

`browser_hash`: the hash of the key in the browser's cookie that may complete the consent.
`sealed_grant`: tokens of an API-started consent held (sealed) until the person confirms.

Revision ID: 0007_19_oauth
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_19_oauth"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_requests") as batch:
        batch.add_column(sa.Column("browser_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("sealed_grant", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_requests") as batch:
        batch.drop_column("sealed_grant")
        batch.drop_column("browser_hash")
