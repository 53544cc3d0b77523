"""Pages anyone may open: sign-up, the markup checker, the UI Elements bundle and demo, and the
demo host app."""
