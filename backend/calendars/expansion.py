"""Repeating events expanded under a hard budget. The recurrence library's cost depends on
the rule, not only on what it yields: a rule that never or rarely matches walks every day up
to the year 9999, and no check between its steps can stop it. So a calendar's series are
expanded in a child process: each series may use `series_cpu` seconds of CPU (a SIGPROF
timer in the child ends it, and the host is told its name), all of them together `total_cpu`
(the kernel's RLIMIT_CPU backs that), and the parent stops waiting and kills the child after
`wall` seconds whatever happens. What was read before that stays busy time. Being another
process, the work also never holds the worker's interpreter lock, which its mail and webhook
lane needs. The child is forked from a fork server that imported this module once: starting
one costs milliseconds and shares no threads or locks with the worker. Flask-free."""

from __future__ import annotations

import math
import multiprocessing
import resource
import signal
import time
from dataclasses import dataclass
from datetime import datetime

import icalendar
import recurring_ical_events

from .occurrences import Collector, floating_zone, name_of, to_utc, too_many
from .rules import move_forward, without_impossible_rules
from .sources import FeedInvalid, SyncedEvent


@dataclass(frozen=True)
class Budget:
    first_try_cpu: float = 0.05  # CPU seconds each series gets first (most need a few ms)
    series_cpu: float = 2.0  # CPU seconds for one series (the densest allowed takes ~0.8)
    total_cpu: float = 10.0  # CPU seconds for every series of one calendar, parsing included
    wall: float = 45.0  # seconds the sync waits for the child, however busy the machine


BUDGET = Budget()


class _OverBudget(BaseException):
    """Raised by the SIGPROF handler inside the library's loop; a BaseException so that no
    `except Exception` on the way catches it."""


@dataclass
class Expanded:
    events: list[SyncedEvent]
    left_out: dict[str, list[str]]  # reason ("never", "slow", "unread") -> series names
    cpu_seconds: float | None = None  # what the child used, when it finished

    @property
    def costly(self) -> bool:
        return bool(self.left_out["slow"] or self.left_out["unread"])

    @property
    def problems(self) -> list[str]:
        """One sentence per reason, naming the series (as many as fit)."""
        return [_SENTENCES[why].format(names=_names(names)) for why, names in
                self.left_out.items() if names]  # fmt: skip


_SENTENCES = {
    "never": "These repeating events repeat on a day that never comes (such as 30 February), "
    "so only their first date counts as busy time: {names}.",
    "slow": "These repeating events take too long to work out (their rules rarely or never "
    "match a date) and do not count as busy time: {names}. Change or remove them.",
    "unread": "Reading the calendar's repeating events took too long, so these were not read "
    "and do not count as busy time: {names}.",
}


def _names(names: list[str], room: int = 180) -> str:
    """As many names as fit in about `room` characters (sync_error keeps 1,000)."""
    shown, used = [], 0
    for name in names:
        if shown and used + len(name) > room:
            return ", ".join(shown) + f" and {len(names) - len(shown)} more"
        shown.append(f"“{name}”")
        used += len(name) + 4
    return ", ".join(shown)


def expand_series(
    series: icalendar.Calendar,
    start: datetime,
    end: datetime,
    tzid: str,
    owners: frozenset[str],
    made: int,
    limit: int,
    budget: Budget | None = None,
) -> Expanded:
    """Every occurrence of the calendar's series in [start, end), in a child process. `made`
    occurrences were already counted against `limit` (the one-off events)."""
    budget = budget or BUDGET
    context = multiprocessing.get_context("forkserver")
    # The fork server imports these once; each child is a fork of it. `__main__` and
    # backend.cli are there because every child runs the parent's main module again
    # (multiprocessing's rule): imported already, that costs next to nothing.
    context.set_forkserver_preload(["__main__", "backend.cli", __name__])
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(send, series.to_ical(), start, end, tzid, owners, made, limit,
                             budget), daemon=True,
    )  # fmt: skip
    child.start()
    send.close()
    result = Expanded([], {"never": [], "slow": [], "unread": []})
    done, deadline = set(), time.monotonic() + budget.wall
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                message = receive.recv() if left > 0 and receive.poll(left) else None
            except EOFError:  # the kernel ended it at RLIMIT_CPU, or it crashed
                message = None
            if message is None:  # out of time: what was read stays, the rest is named
                result.left_out["unread"].extend(_unread(series, done))
                return result
            kind, value = message
            if kind == "events":
                events, names, never = value
                result.events.extend(SyncedEvent(*fields) for fields in events)
                done.update(names)
                result.left_out["never"].extend(never)
            elif kind == "slow":
                result.left_out["slow"].append(value)
                done.add(value)
            elif kind == "invalid":
                raise FeedInvalid(value)
            else:  # "done"
                result.cpu_seconds = value
                return result
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()


def _unread(series: icalendar.Calendar, done: set[str]) -> list[str]:
    """The series the child did not finish (by name, each once)."""
    names = []
    for component in series.walk("VEVENT"):
        name = name_of(component)
        if name not in done and "RECURRENCE-ID" not in component:
            done.add(name)
            names.append(name)
    return names


_armed = False


def _on_timer(signum, frame) -> None:
    if _armed:
        raise _OverBudget


def _child(send, data, start, end, tzid, owners, made, limit, budget: Budget) -> None:
    """In the child: expand series by series, sending what is read in batches. Two rounds:
    every series first gets a little time (`first_try_cpu`), so that slow ones early in the
    file cannot use up the budget of the ordinary ones after them; then the slow ones get the
    rest, each at most `series_cpu`."""
    cpu = math.ceil(budget.total_cpu) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU ends it, then SIGKILL
    signal.signal(signal.SIGPROF, _on_timer)
    try:
        cal = icalendar.Calendar.from_ical(data)
        zone = floating_zone(cal, tzid)
        never = _prepare(cal, start, lambda value: to_utc(value, zone))
        reader = _Reader(start, end, tzid, zone, owners, made, limit)
        batch = _Batch(send)
        pending = _series(cal, None)
        for allowed in (budget.first_try_cpu, budget.series_cpu):
            deferred = []
            for series in pending:
                left = budget.total_cpu - time.process_time()
                events = reader.read(series, min(allowed, left)) if left > 0 else None
                if events is None:
                    deferred.append(series)
                    continue
                batch.add(name_of(series.components[0]._component), events)
                if str(series.uid) in never:
                    batch.never.append(never.pop(str(series.uid)))
                if allowed == budget.series_cpu:
                    batch.flush()  # a slow one: sent at once, in case the next is slower
            batch.flush()
            # Built again: an interrupted series may hold a lock of dateutil's cache for good.
            pending = _series(cal, {str(series.uid) for series in deferred})
        for series in pending:
            send.send(("slow", name_of(series.components[0]._component)))
        send.send(("done", time.process_time()))
    except FeedInvalid as exc:
        send.send(("invalid", str(exc)))
    except Exception as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        send.send(("invalid", f"The calendar's repeating events could not be read ({text})."))
    finally:
        send.close()


class _Batch:
    """Events of finished series, sent a few thousand at a time (one message per series costs
    more than the series on a busy machine)."""

    SIZE = 5000

    def __init__(self, send):
        self.send, self.events, self.names, self.never = send, [], [], []

    def add(self, name: str, events: list[tuple]) -> None:
        self.events.extend(events)
        self.names.append(name)
        if len(self.events) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        if self.names:
            self.send.send(("events", (self.events, self.names, self.never)))
            self.events, self.names, self.never = [], [], []


def _series(cal: icalendar.Calendar, uids: set[str] | None) -> list:
    """The library's series of the calendar (or only of these UIDs), not yet expanded."""
    if uids is not None:
        if not uids:
            return []
        part = icalendar.Calendar()
        for key, value in cal.items():
            part.add(key, value, encode=False)
        for component in cal.subcomponents:
            if component.name == "VTIMEZONE" or str(component.get("UID")) in uids:
                part.add_component(component)
        cal = part
    return recurring_ical_events.of(cal, skip_bad_series=True).series


class _Reader:
    """One series' occurrences as SyncedEvents within `seconds` of CPU, or None; counts every
    occurrence made against the calendar's limit (and forgets those of a series given up)."""

    def __init__(self, start, end, tzid, zone, owners, made, limit):
        self.window, self.tzid, self.zone, self.owners = (start, end), tzid, zone, owners
        self.made, self.limit = made, limit
        self.skipped = tuple(recurring_ical_events.CalendarQuery.suppressed_errors)

    def read(self, series, seconds: float) -> list[tuple] | None:
        global _armed
        collector = Collector(*self.window, self.tzid, self.zone, self.owners)
        made = self.made
        _armed = True
        signal.setitimer(signal.ITIMER_PROF, max(seconds, 0.001))
        try:
            for occurrence in series.between(*self.window):
                made += 1
                if made > self.limit:
                    raise too_many(self.limit)
                component = occurrence._adapter._component
                rid = component.get("RECURRENCE-ID")
                original = rid.dt if rid is not None else occurrence.start
                collector.add(component, occurrence.start, occurrence.end, original)
        except _OverBudget:
            return None
        except self.skipped:
            pass  # what the library skips as a bad series; what it gave still counts
        finally:
            _armed = False
            signal.setitimer(signal.ITIMER_PROF, 0)
        self.made = made
        # Plain tuples: pickled several times faster than the dataclasses themselves.
        return [(e.uid, e.start, e.end, e.summary, e.transparency, e.status, e.tzid)
                for e in collector.events.values()]  # fmt: skip


def _prepare(cal: icalendar.Calendar, start: datetime, to_utc_) -> dict[str, str]:
    """Rules made cheap before the library sees them (`rules`); {UID: name} of the series
    whose rule was dropped because it never occurs."""
    events = cal.walk("VEVENT")
    # Overrides that change every later occurrence (RANGE=THISANDFUTURE): not moved.
    ranged = {
        str(c.get("UID")) for c in events
        if "RECURRENCE-ID" in c and "RANGE" in c["RECURRENCE-ID"].params
    }  # fmt: skip
    problems = {}
    for component in events:
        if "RRULE" not in component or "RECURRENCE-ID" in component:
            continue
        uid = str(component.get("UID"))
        if without_impossible_rules(component) is not None:
            problems[uid] = name_of(component)
        elif uid not in ranged:
            move_forward(component, start, to_utc_)
    return problems
