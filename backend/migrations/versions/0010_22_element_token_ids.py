"""issue 22: element tokens get a public id (etk_…) so their maker can list and revoke them

Revision ID: 0010_22_element_token_ids
Revises: 0009_22_element_tokens
"""

import sqlalchemy as sa
from alembic import op

from backend.core.ids import new_id

revision = "0010_22_element_token_ids"
down_revision = "0009_22_element_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable at the database level: SQLite can't tighten a column without copying the table.
    # Every row has one after this (tokens live 18 hours, so these are few), and every new
    # token is made with one.
    op.add_column("element_tokens", sa.Column("public_id", sa.String(40), nullable=True))
    conn = op.get_bind()
    table = sa.table("element_tokens", sa.column("id", sa.Integer), sa.column("public_id"))
    for (row_id,) in conn.execute(sa.select(table.c.id)).all():
        conn.execute(table.update().where(table.c.id == row_id).values(public_id=new_id("etk")))
    op.create_index("ix_element_tokens_public_id", "element_tokens", ["public_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_element_tokens_public_id", table_name="element_tokens")
    with op.batch_alter_table("element_tokens") as batch:
        batch.drop_column("public_id")
