"""One-time scheduling links: create, read, disable, and their effective status. Flask-free."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session, selectinload

from .. import notifications
from ..conferencing import check_spec, parse_spec
from ..core.ids import looks_like_id, new_id
from ..core.outbound import Outbound
from ..core.text import clean_text, is_valid_email, normalize_email
from ..core.validation import FieldErrors, format_utc, is_tzid, parse_utc, redirect_origin
from ..markup import MarkupError, parse_contacts
from ..markup import answers as prefilled
from ..models import Account, LinkHost, SchedulingLink
from .places import parse_place
from .questions import allowed_guests, parse_max_guests, parse_questions
from .reminders import offsets, parse_reminders
from .rule_choice import check_rule_id

CONTACT_FIELDS = (
    "name", "email", "organization", "title", "phone",
    "tzid", "reference", "summary", "duration_minutes", "source",
)  # fmt: skip
DEFAULT_DURATION = 30
# The pages and e-mails add "with <the other side>", so the default names no one.
DEFAULT_SUMMARY = "Meeting"
DEFAULT_EXPIRY = timedelta(days=14)
MAX_EXPIRY = timedelta(days=365)
MAX_USES = 1000
MAX_QUERY_PERIODS = 50
MAX_HOSTS = 50
# A booking page's unlimited uses, stored in the NOT NULL `max_uses` column (making it
# nullable would need a table copy on SQLite, whose DROP cascades every booking away).
UNLIMITED_USES = 2_147_483_647


class LinkNotFound(Exception):
    pass


def effective_status(link: SchedulingLink, now: datetime) -> str:
    if link.status == "open" and link.expires_at <= now:
        return "expired"
    return link.status


def _text(value: object, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return None
    return clean_text(value[: limit * 4])[:limit] or None


def _contact_from(payload: dict, errors: FieldErrors, markup_max_bytes: int) -> dict | None:
    has_contact, has_markup = "contact" in payload, "markup" in payload
    if has_contact and has_markup:
        errors.add("contact", "invalid", "Give either contact or markup, not both.")
        errors.add("markup", "invalid", "Give either contact or markup, not both.")
        return None
    if has_markup:
        html = payload["markup"]
        if not isinstance(html, str) or not html.strip():
            errors.add("markup", "invalid", "markup must be a non-empty HTML string.")
            return None
        try:
            result = parse_contacts(html, max_bytes=markup_max_bytes)
        except MarkupError as exc:
            errors.add("markup", "invalid", f"The markup could not be read: {exc}")
            return None
        if not result.contacts:
            errors.add("markup", "no_contact", "No contact was found in the markup.")
            return None
        return result.contacts[0].to_dict()
    raw = payload.get("contact")
    if not has_contact:
        errors.add("contact", "required", "A contact (or markup to read one from) is required.")
        return None
    if not isinstance(raw, dict):
        errors.add("contact", "invalid", "contact must be an object.")
        return None
    contact = {field: None for field in CONTACT_FIELDS}
    for field in ("name", "organization", "title", "phone", "reference"):
        contact[field] = _text(raw.get(field), 200)
    contact["summary"] = _text(raw.get("summary"), 300)
    email = raw.get("email")
    if email is None or email == "":
        errors.add("contact.email", "required", "The contact's e-mail address is required.")
    elif not isinstance(email, str) or not is_valid_email(normalize_email(email) or ""):
        errors.add("contact.email", "invalid", "The contact's e-mail address is not valid.")
    else:
        contact["email"] = normalize_email(email)
    tzid = raw.get("tzid")
    if tzid not in (None, ""):
        if is_tzid(tzid):
            contact["tzid"] = tzid
        else:
            errors.add("contact.tzid", "invalid", "Unknown time zone; use an IANA id.")
    duration = raw.get("duration_minutes")
    if isinstance(duration, int) and not isinstance(duration, bool) and 1 <= duration <= 1440:
        contact["duration_minutes"] = duration
    source = raw.get("source")
    contact["source"] = _text(source, 20) or "manual"
    answers = _answers(raw.get("answers"), errors)
    if answers:
        contact["answers"] = answers
    return contact


def _answers(raw: object, errors: FieldErrors) -> dict | None:
    """`contact.answers`: pre-filled booking answers, as markup's `data-answers-*` gives
    them (docs/markup.md §1): `{key: text}`, keys a question's id or its label as a slug."""
    if raw is None:
        return None
    limit = prefilled.MAX_ANSWERS
    if not isinstance(raw, dict) or len(raw) > limit:
        errors.add("contact.answers", "invalid", f"answers must be an object of at most {limit}.")
        return None
    out = {}
    for key, value in raw.items():
        text = prefilled.clean_value(value)
        if not prefilled.is_key(key) or text is None:
            errors.add(
                "contact.answers", "invalid",
                "Each answer needs a key of lower-case letters, digits and inner hyphens "
                f"(at most 64) and text of 1 to {prefilled.MAX_VALUE} characters.",
            )  # fmt: skip
            return None
        out[key] = text
    return out or None


def _int_field(payload, name, default, low, high, errors) -> int:
    value = payload.get(name, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors.add(name, "invalid", f"{name} must be a whole number from {low} to {high}.")
        return default
    return value


def _query_periods(payload, errors) -> list[dict] | None:
    raw = payload.get("query_periods")
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or len(raw) > MAX_QUERY_PERIODS:
        errors.add("query_periods", "invalid", f"Give 1 to {MAX_QUERY_PERIODS} periods.")
        return None
    periods = []
    for i, item in enumerate(raw):
        start = parse_utc(item.get("start")) if isinstance(item, dict) else None
        end = parse_utc(item.get("end")) if isinstance(item, dict) else None
        if start is None or end is None or end <= start:
            errors.add(f"query_periods.{i}", "invalid", "Each period needs RFC 3339 start < end.")
            continue
        periods.append({"start": format_utc(start), "end": format_utc(end)})
    return periods


def _redirect_url(payload, errors, allowed_origins) -> str | None:
    url = payload.get("redirect_url")
    if url is None:
        return None
    origin = redirect_origin(url)
    if origin is None:
        errors.add("redirect_url", "invalid", "redirect_url must be an absolute http(s) URL.")
        return None
    if origin not in {o.rstrip("/").lower() for o in allowed_origins}:
        errors.add(
            "redirect_url",
            "not_allowed",
            f"{origin} is not an allowed redirect origin (SCHEDLINK_REDIRECT_ORIGINS).",
        )
        return None
    return url


def _hosts(
    session: Session, account: Account, payload: dict, errors: FieldErrors
) -> tuple[list[Account], str]:
    """`hosts`, a participant group in the Availability API's shape: `{"members": [{"sub"}],
    "required": "all" | 1}`. Every member is the caller or in the caller's organization;
    anyone else is `errors.unknown_sub`, as in `POST /v1/availability`. Default: the caller."""
    raw = payload.get("hosts")
    if raw is None:
        return [account], "all"
    if not isinstance(raw, dict):
        errors.add("hosts", "invalid", "hosts must be an object: {members, required}.")
        return [account], "all"
    required = raw.get("required", "all")
    if required != "all" and (type(required) is not int or required != 1):
        errors.add("hosts.required", "invalid", 'required must be "all" or 1.')
    members = raw.get("members")
    if not isinstance(members, list) or not 1 <= len(members) <= MAX_HOSTS:
        errors.add("hosts.members", "invalid", f"Give 1 to {MAX_HOSTS} members.")
        return [account], "all"
    subs = []
    for j, member in enumerate(members):
        sub = member.get("sub") if isinstance(member, dict) else None
        if not isinstance(sub, str) or not sub:
            errors.add(f"hosts.members.{j}.sub", "required", "Each member needs a sub.")
        elif sub in subs:
            errors.add(f"hosts.members.{j}.sub", "invalid", "Each host may be named once.")
        subs.append(sub)
    # Only well-formed subs are looked up (a NUL or a huge string is simply not found).
    wanted = {sub for sub in subs if isinstance(sub, str) and looks_like_id(sub, "acc")}
    found = {
        a.sub: a
        for a in session.scalars(select(Account).where(Account.sub.in_(wanted)))
        if a.id == account.id
        or (account.organization_id is not None and a.organization_id == account.organization_id)
    }
    hosts = []
    for j, sub in enumerate(subs):
        if isinstance(sub, str) and sub and sub not in found:
            errors.add(
                f"hosts.members.{j}.sub", "unknown_sub",
                "No account with this sub that may host your links.",
            )  # fmt: skip
        elif sub in found:
            hosts.append(found[sub])
    return hosts, "1" if required == 1 else "all"


def create_link(
    session: Session,
    account: Account,
    payload: object,
    now: datetime,
    markup_max_bytes: int,
    redirect_origins: tuple[str, ...] = (),
    outbound: Outbound | None = None,
) -> SchedulingLink:
    """`outbound` checks the URLs of `subscriptions` (applied to the booking's event)."""
    errors = FieldErrors()
    if not isinstance(payload, dict):
        errors.add("body", "invalid", "The request body must be a JSON object.")
        errors.raise_if_any()
    contact = _contact_from(payload, errors, markup_max_bytes)
    default_duration = (contact or {}).get("duration_minutes") or DEFAULT_DURATION
    duration = _int_field(payload, "duration_minutes", default_duration, 1, 1440, errors)
    max_uses = _int_field(payload, "max_uses", 1, 1, MAX_USES, errors)
    summary = payload.get("summary", None)
    if summary is not None and not isinstance(summary, str):
        errors.add("summary", "invalid", "summary must be a string.")
    summary = _text(summary, 300) or (contact or {}).get("summary") or DEFAULT_SUMMARY
    expires_at = now + DEFAULT_EXPIRY
    if payload.get("expires_at") is not None:
        parsed = parse_utc(payload["expires_at"])
        if parsed is None:
            errors.add("expires_at", "invalid", "expires_at must be an RFC 3339 time.")
        elif parsed <= now or parsed > now + MAX_EXPIRY:
            errors.add("expires_at", "invalid", "expires_at must be within the next 365 days.")
        else:
            expires_at = parsed
    query_periods = _query_periods(payload, errors)
    hosts, hosts_required = _hosts(session, account, payload, errors)
    redirect_url = _redirect_url(payload, errors, redirect_origins)
    conferencing = parse_spec(payload.get("conferencing"), errors)
    questions = parse_questions(payload.get("questions"), errors)
    max_guests = parse_max_guests(payload.get("max_guests"), errors)
    place = parse_place(payload.get("place"), errors)
    reminder_offsets = parse_reminders(payload.get("reminders"), errors)
    rule_id = check_rule_id(session, account, payload.get("availability_rule_id"), errors)
    subscriptions = None
    if payload.get("subscriptions") is not None:
        if outbound is None:
            errors.add("subscriptions", "invalid", "subscriptions cannot be set here.")
        else:
            subscriptions = notifications.parse_subscriptions(
                payload["subscriptions"], outbound, errors
            )
    errors.raise_if_any()
    check_spec(session, account, conferencing)
    link = SchedulingLink(
        public_id=new_id("sl"),
        account_id=account.id,
        contact=contact,
        summary=summary,
        duration_minutes=duration,
        expires_at=expires_at,
        max_uses=max_uses,
        uses=0,
        status="open",
        query_periods=query_periods,
        redirect_url=redirect_url,
        conferencing=conferencing.to_json() if conferencing else None,
        hosts_required=hosts_required,
        questions=questions,
        max_guests=max_guests,
        place=place,
        reminders=reminder_offsets,
        availability_rule_id=rule_id,
        created_at=now,
    )
    link.hosts = [LinkHost(account_id=h.id, position=i) for i, h in enumerate(hosts)]
    session.add(link)
    session.flush()
    notifications.set_link_subscriptions(session, account.id, link.id, subscriptions)
    return link


def get_link(
    session: Session, account: Account, public_id: str, for_update: bool = False
) -> SchedulingLink:
    """`for_update` locks the row (PostgreSQL), so a change that reads the status first
    can't overwrite a booking committed in between."""
    # "sch": a real-time scheduling link, the same row (the dashboard lists and disables it).
    if not (looks_like_id(public_id, "sl") or looks_like_id(public_id, "sch")):
        raise LinkNotFound(public_id)
    query = select(SchedulingLink).where(
        SchedulingLink.public_id == public_id, SchedulingLink.account_id == account.id
    )
    link = session.scalar(query.with_for_update() if for_update else query)
    if link is None:
        raise LinkNotFound(public_id)
    return link


def list_links(session: Session, account: Account, limit: int = 100) -> list[SchedulingLink]:
    return list(
        session.scalars(
            select(SchedulingLink)
            .where(SchedulingLink.account_id == account.id, SchedulingLink.kind != "page")
            .order_by(SchedulingLink.created_at.desc(), SchedulingLink.id.desc())
            .limit(limit)
        )
    )


LINK_FILTERS = ("all", "open", "completed", "disabled", "expired")


def links_page(
    session: Session, account: Account, status: str, page: int, per_page: int, now: datetime
) -> tuple[list[SchedulingLink], int]:
    """One page of the account's links, newest first, filtered by effective status
    ("expired" is an open link past its expiry); returns (links, total matching)."""
    # Booking pages have a list of their own (scheduling.pages).
    where = [SchedulingLink.account_id == account.id, SchedulingLink.kind != "page"]
    if status == "open":
        where += [SchedulingLink.status == "open", SchedulingLink.expires_at > now]
    elif status == "expired":
        where += [SchedulingLink.status == "open", SchedulingLink.expires_at <= now]
    elif status in ("completed", "disabled"):
        where.append(SchedulingLink.status == status)
    total = session.scalar(select(func.count()).select_from(SchedulingLink).where(*where)) or 0
    links = session.scalars(
        select(SchedulingLink)
        .options(selectinload(SchedulingLink.bookings))
        .where(*where)
        .order_by(SchedulingLink.created_at.desc(), SchedulingLink.id.desc())
        .offset(max(page - 1, 0) * per_page)
        .limit(per_page)
    )
    return list(links), total


def disable_link(
    link: SchedulingLink, payload: object, now: datetime | None = None
) -> SchedulingLink:
    """Turn an open link off; the account's channels hear `scheduling_link_disabled` in the
    same transaction (the link's session)."""
    errors = FieldErrors()
    message = payload.get("display_message") if isinstance(payload, dict) else None
    if message is not None and not isinstance(message, str):
        errors.add("display_message", "invalid", "display_message must be a string.")
    errors.raise_if_any()
    if link.status == "open":
        link.status = "disabled"
        link.display_message = _text(message, 500)
        session = object_session(link)
        session.flush()
        now = now or datetime.now(UTC)
        notifications.notify(
            session, link.account_id, notifications.types.LINK_DISABLED,
            {"scheduling_link": link_to_dict(link, now, None)}, now=now,
        )  # fmt: skip
    return link


def link_to_dict(
    link: SchedulingLink, now: datetime, url_for: Callable[[SchedulingLink], str] | None
) -> dict:
    """`url_for` None leaves out the URL (notification bodies: the URL is a bearer secret
    and the host has it already)."""
    data = {
        "id": link.public_id,
        "url": url_for(link) if url_for else None,
        "status": effective_status(link, now),
        "contact": link.contact,
        "summary": link.summary,
        "duration_minutes": link.duration_minutes,
        "expires_at": format_utc(link.expires_at),
        "max_uses": link.max_uses,
        "uses": link.uses,
        "created_at": format_utc(link.created_at),
    }
    if url_for is None:
        del data["url"]
    if link.query_periods:
        data["query_periods"] = link.query_periods
    if link.redirect_url:
        data["redirect_url"] = link.redirect_url
    if link.display_message:
        data["display_message"] = link.display_message
    data["conferencing"] = link.conferencing or {"profile_id": "default"}
    data["hosts"] = hosts_to_dict(link)
    data["questions"] = link.questions or []
    data["max_guests"] = allowed_guests(link)
    data["place"] = link.place
    data["reminders"] = offsets(link)
    data["availability_rule_id"] = link.availability_rule_id
    if link.kind == "page":  # a reusable page: no "latest booking" (nor a read of them all)
        data["max_uses"] = None if link.max_uses >= UNLIMITED_USES else link.max_uses
        data["booking_page"] = {"booking_page_id": link.public_id, "slug": link.slug}
        return data
    confirmed = [b for b in link.bookings if b.status == "confirmed"]
    if confirmed:
        b = confirmed[-1]
        data["booking"] = {
            "id": b.public_id,
            "start": format_utc(b.start_at),
            "end": format_utc(b.end_at),
            "status": b.status,
            "invitee": {"name": b.invitee_name, "email": b.invitee_email},
            "hosts": [{"sub": seat.account.sub} for seat in b.seats],
        }
    return data


def hosts_to_dict(link: SchedulingLink) -> dict:
    """The link's hosts as the participant group they are (the owner alone for a link made
    before hosts existed)."""
    accounts = [h.account for h in link.hosts] or [link.account]
    return {
        "members": [{"sub": a.sub, "name": a.name} for a in accounts],
        "required": 1 if link.hosts_required == "1" else "all",
    }
