"""The shared core every package builds on, Flask-free: ids, text and time formatting,
validation, redaction, sealing at rest, the outbound guard, TLS contexts and the database engine
and migrations."""
