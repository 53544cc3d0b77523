"""Pages for a signed-in host: sign-in and its second factor, the dashboard, working hours,
calendar and conferencing services, webhooks, and the profile with its sections."""
