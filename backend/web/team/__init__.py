"""The team pages: the profile's Team section (an organization, its members and
invitations) and the page an invitation link opens."""

from __future__ import annotations

from flask import Flask

from . import enterprise, enterprise_admin, invitation, section


def init_app(app: Flask) -> None:
    section.init_app(app)
    invitation.init_app(app)
    enterprise.init_app(app)
    enterprise_admin.init_app(app)
