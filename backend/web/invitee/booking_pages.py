"""What the public booking pages share: the viewer's zone and clock, and the offer page itself
(booking and rescheduling; its free times' HTML comes from slot_html)."""

from __future__ import annotations

import time
import unicodedata
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from ... import db, metrics
from ...availability import SlotCache, link_team, offered_slots
from ...core import timefmt
from ...core.text import clean_text, with_name
from ...core.validation import format_utc, is_tzid, known_tzids, parse_utc
from ...models import Account, SchedulingLink
from ...scheduling import BookingUrls, LinkView, report_no_times, team_as_one
from ...scheduling.places import describe as describe_place
from ...scheduling.places import map_url
from ...scheduling.prefill import prefill
from ...scheduling.questions import allowed_guests, answer_text
from .slot_html import SlotHtmlCache


def init_app(app: Flask) -> None:
    app.extensions["schedlink.slot_cache"] = SlotCache()
    app.extensions["schedlink.slot_html"] = SlotHtmlCache()
    app.jinja_env.globals["zone_options"] = zone_options
    # Constant per deployment; url_for is a noticeable share of this page's cost.
    app.jinja_env.globals["zones_url"] = cache(lambda: url_for("booking.zone_list"))
    app.jinja_env.filters["first_name"] = first_name
    app.jinja_env.filters["with_name"] = with_name
    app.jinja_env.filters["longdate"] = timefmt.long_date
    app.jinja_env.filters["clock"] = timefmt.clock
    app.jinja_env.filters["initials"] = initials
    app.jinja_env.filters["map_url"] = map_url
    app.jinja_env.filters["answer_text"] = answer_text
    app.jinja_env.filters["local_time"] = timefmt.short


def initials(name: str | None) -> str:
    """ "Grace Brewster Hopper" → "GH": the first letters of the first and last words."""
    words = [w for w in (name or "").split() if w[:1].isalpha()]
    if not words:
        return "?"
    picked = words[:1] + words[-1:] if len(words) > 1 else words
    return "".join(w[0] for w in picked).upper()


# Titles that come before a name, as in the extension's greetingName
# (extension/lib/message-text.js): one list, so both greet the same person the same way.
HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle"}
)
_NAME_PUNCTUATION = frozenset("'’.-\u200c\u200d")  # ZWNJ/ZWJ: some scripts need them


def _reads_as_name(word: str) -> bool:
    """A letter first, then letters, combining marks (Devanagari vowel signs…) or name
    punctuation: not markup, digits or an address."""
    if not word or len(word) > 41 or not unicodedata.category(word[0]).startswith("L"):
        return False
    return all(
        ch.isalnum() or ch in _NAME_PUNCTUATION or unicodedata.category(ch).startswith("M")
        for ch in word
    )


def first_name(full_name: str | None) -> str:
    """The given name to greet, as the extension picks it: "Lovelace, Ada" → "Ada",
    "Dr. Ada Lovelace" → "Ada". "" when there is none (a title alone, markup, digits), so
    the page says just "Hi,"."""
    name = clean_text((full_name or "")[:200])
    if "," in name:
        last, rest = name.split(",")[:2]
        name = rest.strip() or last.strip()
    words = name.split()
    # Unlike the extension, a title alone ("Dr.") is not greeted as a name.
    while words and words[0].removesuffix(".").casefold() in HONORIFICS:
        words.pop(0)
    return words[0] if words and _reads_as_name(words[0]) else ""


def now() -> datetime:
    return datetime.now(UTC)


def tokens():
    return current_app.extensions["schedlink.tokens"]


def booking_urls() -> BookingUrls:
    """For the channels' booking notifications: the invitee's reschedule and cancel pages."""
    return BookingUrls(tokens(), current_app.config["BASE_URL"])


@cache
def _zones() -> tuple[str, ...]:
    return tuple(
        sorted(z for z in known_tzids() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    )


_OPTION = Markup('<option value="{}">')  # Markup.format escapes the value


@cache
def _zone_options_html() -> Markup:
    # Built once per process: ~430 constant IANA names.
    return Markup("").join(_OPTION.format(zone) for zone in _zones())


def zone_options(current: str) -> Markup:
    """The <option>s of the zone picker's datalist."""
    if current in _zones():
        return _zone_options_html()
    return _OPTION.format(current) + _zone_options_html()


@cache
def zone_countries() -> dict[str, str]:
    """IANA zone → country name, from the tz database's own tables (shipped with tzdata)."""
    base = resources.files("tzdata") / "zoneinfo"
    names = {}
    for line in (base / "iso3166.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _, name = line.partition("\t")
            names[code] = name.strip()
    countries = {}
    for line in (base / "zone.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            countries[zone] = names.get(code, code)
    return countries


@cache
def _zones_by_city() -> dict[str, str]:
    """ "tokyo" → Asia/Tokyo, "new york" → America/New_York: what people type without a script."""
    by_city = {}
    for zone in _zones():
        by_city.setdefault(_folded(zone.rsplit("/", 1)[-1].replace("_", " ")), zone)
    return by_city


@cache
def zone_aliases() -> dict[str, str]:
    """Old names → the zone's name today, from the tz database's links: "Asia/Calcutta" →
    "Asia/Kolkata", "Europe/Kiev" → "Europe/Kyiv" (browsers still report some old names). Only
    links to a country's zone; a country's own zone (Europe/Amsterdam) and UTC stay themselves."""
    countries = zone_countries()
    known = known_tzids()
    aliases = {}
    text = (resources.files("tzdata") / "zoneinfo" / "tzdata.zi").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("L "):
            _, target, name = line.split()[:3]
            if name in known and name not in countries and target in countries:
                aliases[name] = target
    return aliases


def _folded(text: str) -> str:
    """Lower case without accents: "São Paulo" → "sao paulo"."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def resolve_zone(text: str | None) -> str | None:
    """A zone id (today's name) from an id, an old id or a city name (accents optional), or
    None when nothing matches."""
    if is_tzid(text):
        return zone_aliases().get(text, text)
    typed = _folded(" ".join((text or "").replace("_", " ").split()))
    if not typed:
        return None
    found = _zones_by_city().get(typed) or _zones_by_city().get(typed.rsplit("/", 1)[-1])
    return zone_aliases().get(found, found) if found else None


def unknown_zone() -> str | None:
    """What the visitor typed as a zone when it matches none, to say so on the page."""
    asked = request.values.get("tz")
    if asked and resolve_zone(asked) is None:
        # Echoed into the page: no control characters (a NUL), no invisible ones.
        return clean_text(asked)[:80] or "\ufffd"
    return None


def viewer_zone(*fallbacks: str | None) -> str:
    """The zone asked for (?tz= or the form, an id or a city), else the first valid
    fallback, else UTC."""
    asked = resolve_zone(request.values.get("tz"))
    if asked:
        return asked
    for candidate in fallbacks:
        if is_tzid(candidate):
            return zone_aliases().get(candidate, candidate)
    return "UTC"


def zone_label(zone: str, hour_format: str, moment: datetime) -> str:
    """ "Asia/Tokyo" → "Tokyo, Japan · GMT+9 · now 3:40 pm"."""
    here = moment.astimezone(ZoneInfo(zone))
    offset = here.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    gmt = "GMT" if minutes == 0 else f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")
    city = zone.rsplit("/", 1)[-1].replace("_", " ")
    country = zone_countries().get(zone)
    place = f"{city}, {country}" if country and country != city else city
    return f"{place} · {gmt} · now {timefmt.clock(here, hour_format)}"


def viewer_hour_format(fallback: str | None = None) -> str:
    default = fallback or timefmt.hour_format_for(request.headers.get("Accept-Language"))
    return timefmt.normalize_hour_format(request.values.get("h"), default)


STALE = "This page was open for a long time; check the time and confirm again."
STALE_TAKEN = (
    "This page was open for a long time, and the time you picked is no longer free."
    " Please pick another."
)


def _stale_form(slots, chosen: str | None) -> tuple[str, dict, str | None]:
    """The message for a form sent from a page open too long, and the chosen time kept
    only while it is still offered."""
    picked = parse_utc(chosen)
    if picked is not None and any(start == picked for start, _end in slots):
        return STALE, {}, format_utc(picked)
    if picked is None:
        return STALE.replace("check the time", "pick a time"), {}, None
    return STALE_TAKEN, {"start": STALE_TAKEN}, None


def render_offer(
    link: SchedulingLink | LinkView,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict | None = None,
    form_subject: str | None = None,
    moving=None,
    field_errors: dict | None = None,
    chosen: str | None = None,
    notice: str | None = None,
    stale: bool = False,
    host_view=None,
    reason: str = "",
    duration: int | None = None,
    duration_url=None,
):
    """The offer page: for a new booking (form fields) or for moving `moving` (a booking) —
    by its invitee, or by `host_view` (the signed-in host: their zone and clock). `reason`:
    the move's reason as typed, kept when the page comes back. `duration`: the length chosen
    on a booking page with several (`duration_url(minutes)` is the address of each choice)."""
    contact = link.contact or {}
    if host_view is not None:
        zone = viewer_zone(host_view.tzid)
        hour_format = viewer_hour_format(host_view.hour_format)
    else:
        zone = viewer_zone(
            moving.invitee_tzid if moving else None, contact.get("tzid"), link.account.tzid
        )
        hour_format = viewer_hour_format(moving.hour_format if moving else None)
    window = current_app.config["BOOKING_WINDOW_DAYS"]
    moving_when = moving_day = None
    metrics.AVAILABILITY_QUERIES.labels("booking_page").inc()
    started = time.perf_counter()
    if moving:
        duration = int((moving.end_at - moving.start_at).total_seconds() // 60)
        slots = offered_slots(
            db.session(), link, now(), window, moving_booking_id=moving.id,
            duration_minutes=duration,
        )  # fmt: skip
        # Its own time is no choice for a move; the page says what it is instead.
        slots = [slot for slot in slots if slot[0] != moving.start_at]
        moving_when = timefmt.span(moving.start_at, moving.end_at, zone, hour_format)
        moving_day = moving.start_at.astimezone(ZoneInfo(zone)).date().isoformat()
    else:
        slots = current_app.extensions["schedlink.slot_cache"].offered(
            db.session(), link, now(), window, duration_minutes=duration
        )
    metrics.AVAILABILITY_SECONDS.labels("booking_page").observe(time.perf_counter() - started)
    if stale:
        error, field_errors, chosen = _stale_form(slots, chosen)
    slot_times = current_app.extensions["schedlink.slot_html"].times(
        slots, zone, hour_format, chosen
    )
    no_times_url = None
    if getattr(link, "kind", None) == "real_time" and not moving:
        no_times_url = real_time_no_times(link, bool(slots))
    moment = now()
    team = link_team(db.session(), link)
    host = link.account
    if team.is_team or team.hosts[0].id != link.account_id:
        host = team_as_one(team, link.account)
    html = render_template(
        "booking/offer.html",
        link=link,
        host=host,
        contact=contact,
        slot_times=slot_times,
        zone=zone,
        hour_format=hour_format,
        zone_label=zone_label(zone, hour_format, moment),
        unknown_zone=unknown_zone(),
        form=form
        or {
            "name": contact.get("name") or "",
            "email": contact.get("email") or "",
            "notes": "",
            "guests": "",
            "phone": "",
            "answers": prefill(link.questions, contact.get("answers")),
        },  # fmt: skip
        questions=link.questions or [],
        max_guests=allowed_guests(link),
        place=link.place,
        place_line=describe_place(link.place),
        error=error,
        field_errors=field_errors or {},
        chosen=chosen,
        moving=moving,
        host_view=host_view,
        proposal=proposal_of(moving) if moving is not None and host_view is None else None,
        reason=reason,
        moving_when=moving_when,
        moving_day=moving_day,
        notice=notice,
        no_times_url=no_times_url,
        duration=duration or link.duration_minutes,
        durations=(getattr(link, "durations", None) or []) if not moving else [],
        duration_url=duration_url,
        form_token=tokens().dumps("booking-form", form_subject or link.public_id),
    )
    return html, status


def proposal_of(booking) -> dict | None:
    """A host's open request that the invitee pick a new time: who asked and their message."""
    if booking.proposed_at is None:
        return None
    by = db.session().scalar(select(Account.name).where(Account.sub == booking.proposed_by))
    return {"by": by or "Your host", "message": booking.proposal_message}


def real_time_no_times(link, has_times: bool) -> str | None:
    """A real-time scheduling page: a page shown with no times calls its
    `no_times_displayed_url` once (a GET of a visitor, never HEAD); the address of the "None
    of these times suit me" form when the link has a `no_times_suitable_url`."""
    callbacks = link.callback_urls or {}
    reported = getattr(link, "no_times_reported_at", None) is not None
    if (
        not has_times
        and not reported
        and request.method == "GET"
        and callbacks.get("no_times_displayed_url")
    ):
        with db.write() as s:
            report_no_times(s, link, "no_times_displayed", now(), once=True)
    if callbacks.get("no_times_suitable_url") and request.view_args:
        token = request.view_args.get("token")
        if token:
            return url_for("booking.no_times", token=token)
    return None
