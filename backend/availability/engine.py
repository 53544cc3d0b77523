"""Availability engine: who is free when, for groups of members (Cronofy semantics).

Flask-free and exact. Times become float epoch seconds once, at the edge; float holds every
whole second exactly, so all arithmetic below is exact. The work is sorting and linear sweeps;
datetimes are created only for results.

Two coordinate systems are used:
- time-space: a member is free on [a, b) when that span is free of busy time (widened by the
  buffers), inside the query periods and inside the member's available periods;
- start-space: the set of whole-second instants s at which a slot [s, s + duration) could start.
  A slot fits into a free stretch [l, r) iff s is in [l, r - duration + 1), so moving an
  unavailable interval's start back by duration - 1 turns "the slot overlaps it" into
  "s lies inside it". That makes every slot condition pointwise in s.

Semantics are documented in docs/availability.md.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain, compress, islice
from math import ceil, floor, gcd
from operator import gt, lt
from typing import Literal

Span = tuple[datetime, datetime]
FORMATS = ("periods", "slots", "overlapping_slots")
# Minutes; each divides a day, so the start grid (multiples since the Unix epoch) is the same
# every UTC day and, for values up to 60 that divide an hour, falls on :00/:15/... UTC.
START_INTERVALS = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440)
_BIG = 1e15  # stands in for infinity: finite, exact, far beyond any real timestamp
_TS = datetime.timestamp


@dataclass(frozen=True)
class Member:
    sub: str
    busy: Sequence[Span]  # UTC-aware (start, end); any order, may overlap
    available: Sequence[Span] | None = None  # None = no restriction


@dataclass(frozen=True)
class Group:
    members: Sequence[Member]
    required: int | Literal["all"]


@dataclass(frozen=True)
class Result:
    start: datetime
    end: datetime
    participants: tuple[str, ...]


def default_start_interval(duration: timedelta) -> timedelta:
    """The slot grid when none is given: the duration itself when it is an allowed interval,
    else the largest step dividing both the duration and an hour (25 min -> 5 min)."""
    secs = int(duration.total_seconds())
    if secs % 60 == 0 and secs // 60 in START_INTERVALS:
        return timedelta(seconds=secs)
    return timedelta(seconds=gcd(secs, 3600))


def find_availability(
    groups: Sequence[Group],
    query_periods: Sequence[Span],
    *,
    duration: timedelta,
    buffer_before: timedelta = timedelta(0),
    buffer_after: timedelta = timedelta(0),
    start_interval: timedelta | None = None,
    response_format: str = "periods",
    max_results: int | None = None,
) -> list[Result]:
    dur = _secs(duration, "duration")
    before, after = _secs(buffer_before, "buffer_before"), _secs(buffer_after, "buffer_after")
    if dur <= 0:
        raise ValueError("duration must be positive")
    if response_format not in FORMATS:
        raise ValueError(f"response_format must be one of {FORMATS}")
    if start_interval is None and response_format != "periods":
        start_interval = default_start_interval(duration)
    grid = None if start_interval is None else _secs(start_interval, "start_interval")
    if grid is not None and grid <= 0:
        raise ValueError("start_interval must be positive")
    if max_results is not None and max_results < 0:
        raise ValueError("max_results must not be negative")
    for g in groups:
        n = len(g.members)
        if not n or not (g.required == "all" or 1 <= _int(g.required) <= n):
            raise ValueError("each group needs members and required 'all' or 1..len(members)")
    query = _merge_spans(query_periods)
    if not groups or not query or max_results == 0:
        return []
    limit = max_results if max_results is not None else float("inf")
    if response_format == "periods":
        return _periods(groups, query, dur, before, after, grid, limit)
    overlapping = response_format == "overlapping_slots"
    return _slots(groups, query, dur, before, after, grid, overlapping, limit)


# ---- slots -------------------------------------------------------------------------------


def _slots(groups, query, dur, before, after, grid, overlapping, limit):
    lead = dur - 1  # start-space shift, see the module docstring
    starts, ends = _gaps(query, lead)
    who = []  # per group: (subs, None) when all must come, else (subs, per-member unavailable)
    for g in groups:
        subs = [m.sub for m in g.members]
        if g.required == "all" or g.required == len(g.members):
            # every member must be free: their unavailability joins the global union directly
            for m in g.members:
                _raw(m, lead, before, after, starts, ends)
            who.append((subs, None))
            continue
        per = [_union(*_raw(m, lead, before, after, [], [])) for m in g.members]
        s, e = _too_few(per, len(g.members) - g.required + 1)
        starts += s
        ends += e
        who.append((subs, per))
    us, ue = _union(starts, ends)
    # free start-space stretches are the gaps of the union (it spans -BIG..BIG)
    out: list[Result] = []
    prev_end = -_BIG
    for a, b in zip(ue, islice(us, 1, None), strict=False):  # us is one longer
        s = _ceil_to(max(a, prev_end), grid)
        while s < b:
            out.append(Result(_dt(s), _dt(s + dur), _present(who, s)))
            if len(out) >= limit:
                return out
            if not overlapping:
                prev_end = s + dur
                s = _ceil_to(prev_end, grid)
            else:
                s += grid
    return out


def _too_few(per, threshold):
    """Start-space intervals where at least `threshold` members are unavailable (the group is
    not satisfied); per-member intervals are disjoint, so a count sweep is exact."""
    # encode 2x+1 for a start and 2x for an end: one float sort orders ends before starts at
    # equal x, which is right for half-open intervals
    ev = sorted(
        chain.from_iterable(chain((2 * x + 1 for x in s), (2 * x for x in e)) for s, e in per)
    )
    starts, ends, count = [], [], 0
    for v in ev:
        if v % 2:
            count += 1
            if count == threshold:
                starts.append((v - 1) / 2)
        else:
            count -= 1
            if count == threshold - 1:
                ends.append(v / 2)
    return starts, ends


def _present(who, s):
    subs = []
    for names, per in who:
        if per is None:
            subs += names
        else:
            subs += (n for n, iv in zip(names, per, strict=True) if not _inside(iv, s))
    return tuple(dict.fromkeys(subs))


def _inside(iv, x):
    s, e = iv
    i = bisect_right(s, x) - 1
    return i >= 0 and x < e[i]


# ---- periods -----------------------------------------------------------------------------


def _periods(groups, query, dur, before, after, grid, limit):
    if all(g.required == "all" or g.required == len(g.members) for g in groups):
        starts, ends = _gaps(query, 0)
        for g in groups:
            for m in g.members:
                _raw(m, 0, before, after, starts, ends)
        us, ue = _union(starts, ends)
        subs = tuple(dict.fromkeys(m.sub for g in groups for m in g.members))
        out = []
        for i in range(len(us) - 1):
            a, b = _ceil_to(ue[i], grid), us[i + 1]
            if b - a >= dur:
                out.append(Result(_dt(a), _dt(b), subs))
                if len(out) >= limit:
                    break
        return out
    return _periods_counted(groups, query, dur, before, after, grid, limit)


def _periods_counted(groups, query, dur, before, after, grid, limit):
    """Maximal spans [a, b) on which some set of members, enough for every group, is free
    throughout. Such a span starts where some member's free stretch starts (rounded up to the
    grid); from each candidate start take the farthest end the groups allow, and keep it if no
    earlier start reaches as far."""
    members = []  # (group index, sub, free starts, free ends)
    for gi, g in enumerate(groups):
        for m in g.members:
            s, e = _gaps(query, 0)
            us, ue = _union(*_raw(m, 0, before, after, s, e))
            members.append((gi, m.sub, ue[:-1], us[1:]))
    need = [len(g.members) if g.required == "all" else g.required for g in groups]
    cands = sorted({_ceil_to(a, grid) for _, _, fs, _ in members for a in fs})
    pos = [0] * len(members)
    best = -_BIG
    out: list[Result] = []
    for a in cands:
        reach: list[list[float]] = [[] for _ in groups]
        rs = []
        for k, (gi, _, fs, fe) in enumerate(members):
            p = pos[k]
            while p < len(fe) and fe[p] <= a:
                p += 1
            pos[k] = p
            r = fe[p] if p < len(fe) and fs[p] <= a else -_BIG
            rs.append(r)
            if r > a:
                reach[gi].append(r)
        b = min((sorted(x)[-n] if len(x) >= n else -_BIG) for x, n in zip(reach, need, strict=True))
        if b <= best:
            continue  # contained in an earlier span
        best = b
        if b - a >= dur:
            subs = tuple(dict.fromkeys(m[1] for m, r in zip(members, rs, strict=True) if r >= b))
            out.append(Result(_dt(a), _dt(b), subs))
            if len(out) >= limit:
                break
    return out


# ---- interval plumbing -------------------------------------------------------------------


def _raw(m: Member, lead, before, after, starts: list, ends: list):
    """Append member m's unavailable intervals, start moved back by `lead`: busy time widened
    by the buffers (after-buffer before it, before-buffer after it) and the gaps between its
    available periods (never widened). Busy time is merged first, while still datetimes:
    sorting datetimes costs about what converting them would, and then only the merged
    boundaries need converting (widening commutes with merging)."""
    bs, be = _busy(m)
    starts += map(float(after + lead).__rsub__, bs)
    ends += map(float(before).__add__, be)
    if m.available is not None:
        gs, ge = _gaps(_merge_spans(m.available), lead)
        starts += gs
        ends += ge
    return starts, ends


def _busy(m: Member) -> tuple[list[float], list[float]]:
    """m's busy time merged, as whole-second epoch floats rounded outward."""
    if not m.busy:
        return [], []
    if m.busy[0][0].tzinfo is None:  # a spot check; timestamp() would assume local time
        raise ValueError(f"busy times of {m.sub!r} must be timezone-aware")
    flat = list(chain.from_iterable(m.busy))
    if len(flat) != 2 * len(m.busy):
        raise ValueError(f"busy times of {m.sub!r} must be (start, end) pairs")
    s, e = flat[0::2], flat[1::2]
    if not all(map(lt, s, e)):  # empty or inverted spans block nothing
        keep = list(map(lt, s, e))
        s, e = list(compress(s, keep)), list(compress(e, keep))
    s, e = _union(s, e)
    fs, fe = list(map(_TS, s)), list(map(_TS, e))
    if not all(map(float.is_integer, chain(fs, fe))):  # sub-second input
        fs, fe = [float(floor(x)) for x in fs], [float(ceil(x)) for x in fe]
    return fs, fe


def _gaps(spans, lead):
    """Complement of merged spans [(a, b), ...] as (-BIG, a0), (b0, a1), ..., (bn, BIG), with
    each gap's start moved back by `lead`."""
    starts = [-_BIG] + [float(b - lead) for _, b in spans]
    ends = [float(a) for a, _ in spans] + [_BIG]
    return starts, ends


def _union(starts, ends):
    """Merge intervals given as independently sorted starts and ends: with both sorted, the
    union breaks exactly where the next start lies beyond the current end."""
    starts = sorted(starts)
    ends = sorted(ends)
    n = len(starts)
    if n == 0:
        return [], []
    cut = list(compress(range(n - 1), map(gt, starts[1:], ends)))
    return [starts[0], *(starts[i + 1] for i in cut)], [*(ends[i] for i in cut), ends[-1]]


def _merge_spans(spans) -> list[tuple[int, int]]:
    """Query/available periods as merged whole-second spans, rounded inward."""
    out: list[list[int]] = []
    if any(a.tzinfo is None or b.tzinfo is None for a, b in spans):
        raise ValueError("periods must be timezone-aware")
    for a, b in sorted((ceil(_TS(a)), floor(_TS(b))) for a, b in spans):
        if a >= b:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _ceil_to(x, grid):
    return x if grid is None else -(-x // grid) * grid


def _dt(x) -> datetime:
    return datetime.fromtimestamp(int(x), UTC)


def _secs(td: timedelta, name: str) -> int:
    if not isinstance(td, timedelta):
        raise TypeError(f"{name} must be a timedelta")
    secs = td.total_seconds()
    if secs < 0 or secs != int(secs):
        raise ValueError(f"{name} must be a non-negative whole number of seconds")
    return int(secs)


def _int(x) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise ValueError("required must be 'all' or an integer")
    return x
