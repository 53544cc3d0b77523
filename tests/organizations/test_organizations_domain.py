"""The organizations package on both databases: several accounts in one organization, roles
and the last-admin rule, invitations (single use, 7 days, resend replaces the link, revoke),
sign-up policy and verification, and removing accounts never verified."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend import db
from backend.accounts import InvalidCredentials, Keys, TokenExpired, TokenInvalid, create_account
from backend.core.validation import ValidationError
from backend.models import Account, Calendar, Job
from backend.organizations import (
    AlreadyInOrganization,
    InvitationForAnother,
    InvitationGone,
    LastAdmin,
    NoOrganization,
    NotAdmin,
    SignupPolicy,
    VerificationUsed,
    accept_as,
    accept_with_new_account,
    create_organization,
    invitation_for_token,
    invitation_token,
    invite,
    leave,
    organization_json,
    pending,
    purge_unverified,
    remove_member,
    rename_organization,
    resend,
    revoke,
    set_role,
    sign_up,
    verification_token,
    verify,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
KEYS = Keys("test-secret-key")


def _account(s, email, name="Someone"):
    return create_account(s, email, name, "Europe/London", PASSWORD)


def _by_email(s, email) -> Account:
    return s.scalar(select(Account).where(Account.email == email))


@pytest.fixture
def team(app):
    """An organization with its admin (ada) and an outsider (bob), returned by e-mail."""
    with app.app_context(), db.write() as s:
        ada = _account(s, "ada@example.com", "Ada")
        _account(s, "bob@example.com", "Bob")
        create_organization(s, ada, "Analytical Engines")
    return app


def test_several_accounts_in_one_organization(team):
    with team.app_context():
        with db.write() as s:
            ada = _by_email(s, "ada@example.com")
            inv = invite(s, ada, "grace@example.com", "member", NOW)
            token = invitation_token(KEYS, inv)
        with db.write() as s:
            accept_with_new_account(s, KEYS, token, "Grace", "Europe/Paris", PASSWORD, NOW)
        with db.write() as s:
            inv = invite(s, _by_email(s, "ada@example.com"), "bob@example.com", "admin", NOW)
            token = invitation_token(KEYS, inv)
        with db.write() as s:
            accept_as(s, KEYS, token, _by_email(s, "bob@example.com"), NOW)
        s = db.session()
        ada = _by_email(s, "ada@example.com")
        body = organization_json(s, _org(s, ada))
        roles = {m["email"]: m["role"] for m in body["members"]}
        assert roles == {
            "ada@example.com": "admin", "bob@example.com": "admin",
            "grace@example.com": "member",
        }  # fmt: skip
        assert body["organization_id"].startswith("org_") and body["name"] == "Analytical Engines"
        grace = _by_email(s, "grace@example.com")
        assert grace.unverified_since is None, "the invitation link proved the address"


def _org(s, account):
    from backend.models import Organization

    return s.get(Organization, account.organization_id)


def test_invitation_is_single_use_and_says_why_it_is_gone(team):
    with team.app_context():
        with db.write() as s:
            inv = invite(s, _by_email(s, "ada@example.com"), "x@example.com", "member", NOW)
            first = invitation_token(KEYS, inv)
        with db.write() as s:
            inv = resend(s, _by_email(s, "ada@example.com"), inv.public_id, NOW)
            second = invitation_token(KEYS, inv)
            assert s.scalar(select(Job.id).where(Job.kind == "organization.invitation"))
        s = db.session()
        with pytest.raises(InvitationGone) as gone:
            invitation_for_token(s, KEYS, first, NOW)
        assert gone.value.state == "replaced"
        with pytest.raises(InvitationGone) as gone:
            invitation_for_token(s, KEYS, second, NOW + timedelta(days=8))
        assert gone.value.state == "expired"
        with pytest.raises(TokenInvalid):
            invitation_for_token(s, KEYS, second + "x", NOW)
        with db.write() as s:
            accept_with_new_account(s, KEYS, second, "X", "UTC", PASSWORD, NOW)
        with pytest.raises(InvitationGone) as gone, db.write() as s:
            accept_as(s, KEYS, second, _by_email(s, "x@example.com"), NOW)
        assert gone.value.state == "used"
        with db.write() as s:
            inv = invite(s, _by_email(s, "ada@example.com"), "y@example.com", "member", NOW)
            token = invitation_token(KEYS, inv)
            revoke(s, _by_email(s, "ada@example.com"), inv.public_id, NOW)
        with pytest.raises(InvitationGone) as gone:
            invitation_for_token(db.session(), KEYS, token, NOW)
        assert gone.value.state == "revoked"


def test_only_the_invited_address_joins(team):
    with team.app_context():
        with db.write() as s:
            inv = invite(s, _by_email(s, "ada@example.com"), "carol@example.com", "member", NOW)
            token = invitation_token(KEYS, inv)
        with pytest.raises(InvitationForAnother), db.write() as s:
            accept_as(s, KEYS, token, _by_email(s, "bob@example.com"), NOW)
        assert _by_email(db.session(), "bob@example.com").organization_id is None


def test_invite_refuses_members_and_non_admins(team):
    with team.app_context():
        with pytest.raises(ValidationError) as invalid, db.write() as s:
            invite(s, _by_email(s, "ada@example.com"), "ada@example.com", "member", NOW)
        assert "email" in invalid.value.errors
        with pytest.raises(ValidationError) as invalid, db.write() as s:
            invite(s, _by_email(s, "ada@example.com"), "nope", "owner", NOW)
        assert set(invalid.value.errors) == {"email", "role"}
        with pytest.raises(NoOrganization), db.write() as s:
            invite(s, _by_email(s, "bob@example.com"), "z@example.com", "member", NOW)


def test_last_admin_can_neither_leave_nor_be_demoted(team):
    with team.app_context():
        with db.write() as s:
            ada = _by_email(s, "ada@example.com")
            inv = invite(s, ada, "bob@example.com", "member", NOW)
            token = invitation_token(KEYS, inv)
        with db.write() as s:
            accept_as(s, KEYS, token, _by_email(s, "bob@example.com"), NOW)
        with pytest.raises(LastAdmin), db.write() as s:
            leave(s, _by_email(s, "ada@example.com"))
        with pytest.raises(LastAdmin), db.write() as s:
            ada = _by_email(s, "ada@example.com")
            set_role(s, ada, ada.sub, "member")
        with pytest.raises(NotAdmin), db.write() as s:
            bob = _by_email(s, "bob@example.com")
            remove_member(s, bob, _by_email(s, "ada@example.com").sub)
        with db.write() as s:
            ada = _by_email(s, "ada@example.com")
            set_role(s, ada, _by_email(s, "bob@example.com").sub, "admin")
            rename_organization(s, ada, "  Difference  Engines ")
        with db.write() as s:
            leave(s, _by_email(s, "ada@example.com"))  # bob is admin now
        with db.write() as s:
            bob = _by_email(s, "bob@example.com")
            assert _org(s, bob).name == "Difference Engines"
            inv = invite(s, bob, "ada@example.com", "member", NOW)
            token = invitation_token(KEYS, inv)
        with db.write() as s:
            accept_as(s, KEYS, token, _by_email(s, "ada@example.com"), NOW)
        with db.write() as s:
            remove_member(s, _by_email(s, "bob@example.com"), _by_email(s, "ada@example.com").sub)
        s = db.session()
        ada = _by_email(s, "ada@example.com")
        assert ada.organization_id is None and ada.organization_role is None
        with pytest.raises(AlreadyInOrganization), db.write() as s:
            create_organization(s, _by_email(s, "bob@example.com"), "Another")


def test_pending_lists_only_live_invitations(team):
    with team.app_context():
        with db.write() as s:
            ada = _by_email(s, "ada@example.com")
            invite(s, ada, "a@example.com", "member", NOW)
            invite(s, ada, "a@example.com", "admin", NOW)  # replaces the first
            invite(s, ada, "old@example.com", "member", NOW - timedelta(days=8))
        s = db.session()
        live = pending(s, _by_email(s, "ada@example.com").organization_id, NOW)
        assert [(i.email, i.role) for i in live] == [("a@example.com", "admin")]


@pytest.mark.parametrize(
    "setting, email, allowed",
    [
        (None, "a@example.com", False),
        ("closed", "a@example.com", False),
        ("open", "a@anything.org", True),
        ("example.com, @corp.example", "a@example.com", True),
        ("example.com,corp.example", "a@corp.example", True),
        ("example.com", "a@sub.example.com", False),
        ("example.com", "a@evil-example.com", False),
    ],
)
def test_signup_policy(setting, email, allowed):
    policy = SignupPolicy.parse(setting)
    assert policy.allows(email) is allowed
    assert policy.is_open is (setting not in (None, "closed"))


def test_sign_up_verify_once_and_taken_address_gets_mail(app):
    policy = SignupPolicy.parse("open")
    with app.app_context():
        with db.write() as s:
            _account(s, "taken@example.com")
            account = sign_up(s, policy, "New@Example.com", "New", "UTC", PASSWORD, NOW)
            assert account.unverified_since is not None
            token = verification_token(KEYS, account)
            assert sign_up(s, policy, "taken@example.com", "X", "UTC", PASSWORD, NOW) is None
            kinds = sorted(s.scalars(select(Job.kind)))
        assert kinds == ["account.signup_existing", "account.signup_verify"]
        with pytest.raises(ValidationError), db.write() as s:
            sign_up(s, SignupPolicy.parse("corp.example"), "a@example.com", "A", "UTC",
                    PASSWORD, NOW)  # fmt: skip
        with pytest.raises(InvalidCredentials), db.write() as s:
            verify(s, KEYS, token, "not the password")
        with db.write() as s:
            assert verify(s, KEYS, token, PASSWORD).email == "new@example.com"
        with pytest.raises(VerificationUsed), db.write() as s:
            verify(s, KEYS, token, PASSWORD)
        with pytest.raises(TokenExpired):
            Keys("test-secret-key").loads("schedlink.signup-verify.v1", token, -1)


def test_a_squatted_unverified_address_goes_to_its_owner(app):
    """Someone signs up with another person's address; the owner signing up later sets the
    password, the squatter's link dies, and activating needs the owner's password."""
    policy = SignupPolicy.parse("open")
    with app.app_context():
        with db.write() as s:
            squatter = sign_up(s, policy, "own@example.com", "Squat", "UTC", PASSWORD, NOW)
            squatter_link = verification_token(KEYS, squatter)
        with db.write() as s:
            assert sign_up(s, policy, "own@example.com", "Owner", "Asia/Tokyo",
                           "owner's own secret", NOW) is None  # fmt: skip
            owner = _by_email(s, "own@example.com")
            owner_link = verification_token(KEYS, owner)
            assert (owner.name, owner.tzid) == ("Owner", "Asia/Tokyo")
        with pytest.raises(VerificationUsed), db.write() as s:
            verify(s, KEYS, squatter_link, PASSWORD)
        with pytest.raises(InvalidCredentials), db.write() as s:
            verify(s, KEYS, owner_link, PASSWORD)
        with db.write() as s:
            verify(s, KEYS, owner_link, "owner's own secret")


def test_an_invitation_replaces_a_never_verified_sign_up(team):
    with team.app_context():
        with db.write() as s:
            sign_up(s, SignupPolicy.parse("open"), "sq@example.com", "Squat", "UTC", PASSWORD, NOW)
            inv = invite(s, _by_email(s, "ada@example.com"), "sq@example.com", "member", NOW)
            token = invitation_token(KEYS, inv)
        with db.write() as s:
            account = accept_with_new_account(s, KEYS, token, "Real", "UTC", "real secret!", NOW)
            assert account.unverified_since is None and account.name == "Real"


def test_unverified_accounts_are_removed_after_seven_days(app):
    policy = SignupPolicy.parse("open")
    with app.app_context():
        with db.write() as s:
            sign_up(s, policy, "old@example.com", "Old", "UTC", PASSWORD, NOW - timedelta(days=8))
            sign_up(s, policy, "new@example.com", "New", "UTC", PASSWORD, NOW - timedelta(days=6))
        sessions = app.extensions["schedlink.sessions"]
        assert purge_unverified(sessions, NOW) == 1
        assert purge_unverified(sessions, NOW) == 0
        s = db.session()
        assert sorted(s.scalars(select(Account.email))) == ["new@example.com"]
        assert s.scalar(select(Calendar.id).where(Calendar.name == "Old")) is None


def test_upgrade_gives_existing_organizations_an_admin(app, database_url):
    """Accounts put in an organization by the CLI before roles existed: the oldest becomes
    its admin, the others members, and the organization gets a public id."""
    from alembic import command
    from alembic.config import Config

    from backend.core.database import MIGRATIONS_DIR, migrate
    from backend.models import Organization

    with app.app_context(), db.write() as s:
        org = Organization(name="Old")
        s.add(org)
        s.flush()
        for email in ("first@example.com", "second@example.com", "third@example.com"):
            _account(s, email).organization_id = org.id
        _account(s, "alone@example.com")
    app.extensions["schedlink.engine"].dispose()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.downgrade(cfg, "0008_23b_organizations-1")
    migrate(database_url)
    with app.app_context():
        s = db.session()
        roles = dict(s.execute(select(Account.email, Account.organization_role)).all())
        public_id = s.scalar(select(Organization.public_id))
    assert roles == {
        "first@example.com": "admin", "second@example.com": "member",
        "third@example.com": "member", "alone@example.com": None,
    }  # fmt: skip
    assert public_id.startswith("org_")


def test_two_admins_demoting_each_other_at_once_leave_one_admin(team):
    """Each change locks the organization's row, so the second sees the first and is refused
    (on PostgreSQL a row lock; on SQLite the write transaction is already exclusive)."""
    import threading

    from backend.core import database

    with team.app_context(), db.write() as s:
        ada = _by_email(s, "ada@example.com")
        bob = _by_email(s, "bob@example.com")
        bob.organization_id, bob.organization_role = ada.organization_id, "admin"
        subs = {"ada@example.com": ada.sub, "bob@example.com": bob.sub}
    sessions = team.extensions["schedlink.sessions"]
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(me: str, other: str) -> None:
        with sessions() as s:
            account = _by_email(s, me)  # read before the race, as a request would
            s.expunge(account)
        barrier.wait()
        try:
            with database.write(sessions) as s:
                set_role(s, s.merge(account, load=False), subs[other], "member")
            outcomes.append("demoted")
        except (LastAdmin, NotAdmin) as exc:
            outcomes.append(type(exc).__name__)

    threads = [
        threading.Thread(target=demote, args=("ada@example.com", "bob@example.com")),
        threading.Thread(target=demote, args=("bob@example.com", "ada@example.com")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["NotAdmin", "demoted"]
    with team.app_context():
        admins = (
            db.session()
            .scalars(select(Account.email).where(Account.organization_role == "admin"))
            .all()
        )
    assert len(admins) == 1
