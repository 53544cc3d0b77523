"""The notification types. Receivers must ignore types they do not know: more will come."""

VERIFICATION = "verification"
CHANGE = "change"
BOOKING_CREATED = "booking_created"
BOOKING_RESCHEDULED = "booking_rescheduled"
BOOKING_CANCELLED = "booking_cancelled"
LINK_COMPLETED = "scheduling_link_completed"
LINK_DISABLED = "scheduling_link_disabled"
CONFERENCING_ASSIGNED = "conferencing_assigned"
CONFERENCING_FAILING = "conferencing_failing"

# What a channel can be sent (its `types` filter picks among these; verification always goes).
CHANNEL_TYPES = (
    BOOKING_CREATED, BOOKING_RESCHEDULED, BOOKING_CANCELLED, LINK_COMPLETED, LINK_DISABLED,
    CHANGE, CONFERENCING_ASSIGNED,
)  # fmt: skip
# What an event subscription's `interactions` can ask for.
INTERACTIONS = (CONFERENCING_ASSIGNED, CONFERENCING_FAILING)
