"""schedlink: personalized one-time scheduling links from contact markup."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """The app factory: nothing happens at import time, everything here per app."""
    from . import api, db, errors, limits, proxies, telemetry, web
    from . import config as app_config
    from .accounts import Keys
    from .core.outbound import Outbound
    from .core.sealing import Sealer
    from .scheduling import Tokens

    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("SCHEDLINK_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path or None)
    # "/v1//x" would otherwise be an HTML 308 redirect; let it be a JSON 404.
    app.url_map.merge_slashes = False
    app.config.update(app_config.from_environment(Path(app.instance_path)))
    app.config.update(config or {})
    from .conferencing import check_base_url

    app.config["JITSI_URL"] = check_base_url(app.config["JITSI_URL"])
    app.extensions["schedlink.tokens"] = Tokens(
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]
    )
    app.extensions["schedlink.sealer"] = Sealer(
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]
    )
    app.extensions["schedlink.outbound"] = Outbound(
        app.config["OUTBOUND_ALLOW"], ca_file=app.config["OUTBOUND_CA_FILE"]
    )

    # TOTP secrets sealed at rest, password-reset and e-mail-change links.
    app.extensions["schedlink.account_keys"] = Keys(
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]
    )

    db.init_app(app)
    telemetry.init_app(app)  # /healthz, /readyz, /metrics; request ids, logs, metrics
    proxies.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    api.init_app(app)
    web.init_app(app)
    return app
