"""The outbox's connection job: give a removed connection's OAuth grant back to its provider
(connections.revocation makes the call)."""

from __future__ import annotations

import logging

from flask import current_app

from ..connections import REVOKE_JOB, oauth_providers, revoke_grant

log = logging.getLogger(__name__)


def _revoke(sessions, payload, config):
    outcome = revoke_grant(
        current_app.extensions["schedlink.outbound"],
        oauth_providers(config).get(payload["provider_name"]),
        current_app.extensions["schedlink.sealer"],
        payload["sealed_credentials"],
    )
    log.info("revoking a removed %s connection: %s", payload["provider_name"], outcome)


HANDLERS = {REVOKE_JOB: _revoke}
