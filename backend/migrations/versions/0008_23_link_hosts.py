"""links with several hosts (issue 23): link_hosts, hosts_required, booking seats

Every link gets host rows (`link_hosts`: the creator alone for links made before) and
`hosts_required` ("all": collective, "1": round robin). Every booking gets seats
(`booking_hosts`: one per host who attends), and the database's overlap guard moves from
`bookings` to the seats, so "never two bookings on one host" holds for team links too. A seat
is backfilled for every existing booking (its host, time and status).

Revision ID: 0008_23_link_hosts
Revises: 0007_13
"""

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision = "0008_23_link_hosts"
down_revision = "0007_13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduling_links") as batch:
        batch.add_column(
            sa.Column("hosts_required", sa.String(length=3), server_default="all", nullable=False)
        )
    op.create_table(
        "link_hosts",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["scheduling_links.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("link_id", "account_id"),
    )
    op.create_index("ix_link_hosts_account", "link_hosts", ["account_id"])
    op.create_table(
        "booking_hosts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("start_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id", "account_id"),
    )
    op.create_index(
        "ix_booking_hosts_host_time", "booking_hosts", ["account_id", "start_at", "end_at"]
    )
    op.execute(
        "INSERT INTO link_hosts (link_id, account_id, position) "
        "SELECT id, account_id, 0 FROM scheduling_links"
    )
    op.execute(
        "INSERT INTO booking_hosts (booking_id, account_id, start_at, end_at, status) "
        "SELECT id, account_id, start_at, end_at, status FROM bookings"
    )
    _drop_booking_guard()
    _create_seat_guard()


def downgrade() -> None:
    _drop_seat_guard()
    op.drop_index("ix_booking_hosts_host_time", table_name="booking_hosts")
    op.drop_table("booking_hosts")
    op.drop_index("ix_link_hosts_account", table_name="link_hosts")
    op.drop_table("link_hosts")
    # A plain DROP COLUMN (SQLite >= 3.35): a batch copy of scheduling_links would drop the
    # old table, and with foreign keys on that deletes every booking by cascade.
    op.drop_column("scheduling_links", "hosts_required")
    _create_booking_guard()


# The database itself refuses two confirmed seats of one host that overlap (half-open
# intervals: back-to-back is fine), whatever the application does. SQLite compares epoch
# seconds, so rows written by hand in another text format still count.
_SQLITE_SEAT_OVERLAP = """
CREATE TRIGGER booking_hosts_no_overlap_{op} BEFORE {event} ON booking_hosts
WHEN NEW.status = 'confirmed' AND EXISTS (
    SELECT 1 FROM booking_hosts b
    WHERE b.account_id = NEW.account_id AND b.status = 'confirmed' AND b.id IS NOT NEW.id
      AND unixepoch(b.start_at) < unixepoch(NEW.end_at)
      AND unixepoch(NEW.start_at) < unixepoch(b.end_at))
BEGIN SELECT RAISE(ABORT, 'booking_overlap: host already booked at that time'); END
"""

_SQLITE_BOOKING_OVERLAP = """
CREATE TRIGGER bookings_no_overlap_{op} BEFORE {event} ON bookings
WHEN NEW.status = 'confirmed' AND EXISTS (
    SELECT 1 FROM bookings b
    WHERE b.account_id = NEW.account_id AND b.status = 'confirmed' AND b.id IS NOT NEW.id
      AND unixepoch(b.start_at) < unixepoch(NEW.end_at)
      AND unixepoch(NEW.start_at) < unixepoch(b.end_at))
BEGIN SELECT RAISE(ABORT, 'booking_overlap: host already booked at that time'); END
"""


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def _create_seat_guard() -> None:
    if _postgres():
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE booking_hosts ADD CONSTRAINT booking_hosts_no_overlap EXCLUDE USING "
            "gist (account_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
            "WHERE (status = 'confirmed')"
        )
        op.execute(
            "ALTER TABLE booking_hosts ADD CONSTRAINT booking_hosts_positive "
            "CHECK (end_at > start_at)"
        )
    else:
        op.execute(_SQLITE_SEAT_OVERLAP.format(op="insert", event="INSERT"))
        op.execute(
            _SQLITE_SEAT_OVERLAP.format(
                op="update", event="UPDATE OF start_at, end_at, status, account_id"
            )
        )
        op.execute(
            "CREATE TRIGGER booking_hosts_positive BEFORE INSERT ON booking_hosts "
            "WHEN unixepoch(NEW.end_at) <= unixepoch(NEW.start_at) "
            "BEGIN SELECT RAISE(ABORT, 'booking must end after it starts'); END"
        )


def _drop_seat_guard() -> None:
    if _postgres():
        op.execute("ALTER TABLE booking_hosts DROP CONSTRAINT IF EXISTS booking_hosts_no_overlap")
        op.execute("ALTER TABLE booking_hosts DROP CONSTRAINT IF EXISTS booking_hosts_positive")
    else:
        for name in (
            "booking_hosts_no_overlap_insert",
            "booking_hosts_no_overlap_update",
            "booking_hosts_positive",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _drop_booking_guard() -> None:
    """The bookings row keeps its own `end_at > start_at` check; only the overlap guard moves."""
    if _postgres():
        op.execute("ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_no_overlap")
    else:
        for name in ("bookings_no_overlap_insert", "bookings_no_overlap_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _create_booking_guard() -> None:
    if _postgres():
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist "
            "(account_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
            "WHERE (status = 'confirmed')"
        )
    else:
        op.execute(_SQLITE_BOOKING_OVERLAP.format(op="insert", event="INSERT"))
        op.execute(
            _SQLITE_BOOKING_OVERLAP.format(
                op="update", event="UPDATE OF start_at, end_at, status, account_id"
            )
        )
