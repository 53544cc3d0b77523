"""What every calendar source gives the sync and how it fails: the calendars it holds, their
events as occurrences, and errors phrased for the host. Flask-free, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit


class FeedInvalid(Exception):
    """The data is not an iCalendar a person could fix by waiting; str() is for people."""


@dataclass(frozen=True, slots=True)
class SyncedEvent:
    """One occurrence as stored: `uid` is stable across syncs (UID plus the occurrence's
    original start), times are aware UTC."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    transparency: str  # "opaque" | "transparent"
    status: str  # "confirmed" | "tentative"
    tzid: str = "Etc/UTC"


class SourceError(Exception):
    """The source could not be read now; str() is a sentence for the host. Retried later."""


class UnreadableAnswer(SourceError):
    """The server answered, but not in a form we can read (broken or hostile XML, an empty
    redirect): retrying may not help, and at connection time it is the host's 422."""


class SourceDisconnected(SourceError):
    """The source no longer accepts our credentials (OAuth refresh refused): the profile is
    disconnected until the host links it again."""


@dataclass
class LeftOut:
    """Events a sync could not read, in sentences for the host (the profile's `sync_error`);
    `costly` when it was for want of time (reading the calendar again costs as much)."""

    sentences: list[str] = field(default_factory=list)
    costly: bool = False


@dataclass
class RemoteCalendar:
    """One calendar as its source reports it. `events` is everything in the sync window;
    None means "unchanged since `sync_token`". Delta sources fill `changed`/`removed` instead
    and set `delta`. `left_out`: the events that could not be read (the rest are stored)."""

    external_id: str
    name: str | None = None
    readonly: bool = True
    primary: bool = False
    events: list[SyncedEvent] | None = None
    sync_token: str | None = None
    delta: bool = False
    changed: list[SyncedEvent] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    left_out: LeftOut = field(default_factory=LeftOut)


@dataclass
class SyncContext:
    """What a source needs to read one profile."""

    provider_name: str
    profile_public_id: str
    credentials: dict
    known: dict[str, str | None]  # external calendar id -> its sync token
    start: datetime
    end: datetime
    tzid: str
    owners: tuple[str, ...]
    now: datetime
    services: Mapping[str, Any]  # outbound, sealer, oauth providers, access-token getter


Source = Callable[[SyncContext], list[RemoteCalendar]]


def http_problem(status: int, what: str = "The calendar server") -> SourceError:
    """A source's HTTP error status as a sentence a host can act on."""
    if status in (401, 403):
        return SourceError(
            f"{what} refused access (HTTP {status}). The password or secret address may have "
            "changed: remove this calendar and add it again with the new one."
        )
    if status in (404, 410):
        return SourceError(
            f"{what} says this calendar does not exist (HTTP {status}). Check the address, "
            "or remove this calendar."
        )
    if status == 429 or status >= 500:
        return SourceError(
            f"{what} is busy or having problems (HTTP {status}); schedlink will try again."
        )
    return SourceError(f"{what} answered with an error (HTTP {status}).")


def unreachable(url: str, exc: Exception) -> SourceError:
    host = urlsplit(url).hostname or url
    return SourceError(
        f"schedlink could not reach {host} ({exc}). It will try again; the busy times it "
        "read last are still used."
    )
