"""Pages for the invitee: the booking page and its offer, and the self-service manage pages
(reschedule, cancel)."""
