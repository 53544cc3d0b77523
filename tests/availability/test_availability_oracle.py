"""The engine against a brute-force oracle on a minute grid (obviously correct, slow)."""

from datetime import UTC, datetime, timedelta
from math import gcd

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.availability import Group, Member, find_availability

ALLOWED = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440)
PAD = 120  # busy may lie this far outside the window, so buffers reach it


def at(base, minute):
    return base + timedelta(minutes=minute)


class Oracle:
    """Minute m stands for [m, m+1) after `base`; everything is a boolean per minute."""

    def __init__(self, sc):
        self.sc = sc
        lo, hi = -PAD - 100, sc["window"] + PAD + 100
        self.lo = lo
        q = [False] * (hi - lo)
        for a, b in sc["query"]:
            for t in range(a, b):
                q[t - lo] = True
        self.members = []  # (sub, ok[t] = in query and available, busy[t])
        for group in sc["groups"]:
            for sub, busy, avail in group["members"]:
                ok = list(q)
                if avail is not None:
                    allowed = [False] * (hi - lo)
                    for a, b in avail:
                        for t in range(a, b):
                            allowed[t - lo] = True
                    ok = [x and y for x, y in zip(ok, allowed, strict=True)]
                bz = [False] * (hi - lo)
                for a, b in busy:
                    for t in range(a, b):
                        bz[t - lo] = True
                self.members.append((sub, ok, bz))

    def free(self, k, a, b):
        """Member k can attend [a, b): inside query and availability, buffers clear of busy."""
        sub, ok, bz = self.members[k]
        bb, ba, lo = self.sc["before"], self.sc["after"], self.lo
        return all(ok[t - lo] for t in range(a, b)) and not any(
            bz[t - lo] for t in range(a - bb, b + ba)
        )

    def who(self, a, b):
        """Free member indexes, or None when some group is not satisfied."""
        free, k = [], 0
        for group in self.sc["groups"]:
            n = len(group["members"])
            here = [j for j in range(k, k + n) if self.free(j, a, b)]
            need = n if group["required"] == "all" else group["required"]
            if len(here) < need:
                return None
            free += here
            k += n
        return free

    def subs(self, idx):
        return tuple(dict.fromkeys(self.members[j][0] for j in idx))

    def grid(self):
        sc = self.sc
        step = sc["interval"]
        if step is None and sc["format"] != "periods":
            step = sc["duration"] if sc["duration"] in ALLOWED else gcd(sc["duration"], 60)
        return step

    def on_grid(self, t):
        step = self.grid()
        return step is None or (self.sc["base_minute"] + t) % step == 0

    def answer(self):
        sc = self.sc
        d, w = sc["duration"], sc["window"]
        out = []
        if sc["format"] == "periods":
            out = self.periods()
        else:
            last_end = None
            for s in range(0, w):
                if not self.on_grid(s) or (last_end is not None and s < last_end):
                    continue
                idx = self.who(s, s + d)
                if idx is not None:
                    out.append((s, s + d, self.subs(idx)))
                    if sc["format"] == "slots":
                        last_end = s + d
        if sc["max_results"] is not None:
            out = out[: sc["max_results"]]
        return out

    def periods(self):
        sc = self.sc
        d, w = sc["duration"], sc["window"]
        step = self.grid() or 1
        valid = {}
        for a in range(0, w):
            for b in range(a + d, w + 1):
                idx = self.who(a, b)
                if idx is None:
                    break  # longer spans from a are no better
                valid[a, b] = idx
        out = []
        for (a, b), idx in sorted(valid.items()):
            if not self.on_grid(a) or (a - step, b) in valid or (a, b + 1) in valid:
                continue
            out.append((a, b, self.subs(idx)))
        return out


def run_engine(sc):
    base = sc["base"]
    groups = [
        Group(
            [
                Member(
                    sub,
                    [(at(base, a), at(base, b)) for a, b in busy],
                    None if avail is None else [(at(base, a), at(base, b)) for a, b in avail],
                )
                for sub, busy, avail in g["members"]
            ],
            g["required"],
        )
        for g in sc["groups"]
    ]
    res = find_availability(
        groups,
        [(at(base, a), at(base, b)) for a, b in sc["query"]],
        duration=timedelta(minutes=sc["duration"]),
        buffer_before=timedelta(minutes=sc["before"]),
        buffer_after=timedelta(minutes=sc["after"]),
        start_interval=None if sc["interval"] is None else timedelta(minutes=sc["interval"]),
        response_format=sc["format"],
        max_results=sc["max_results"],
    )
    return [
        (
            (r.start - base) // timedelta(minutes=1),
            (r.end - base) // timedelta(minutes=1),
            r.participants,
        )
        for r in res
    ]


def spans(lo, hi, max_size, longest, min_size=0, shortest=0):
    pair = st.tuples(st.integers(lo, hi), st.integers(shortest, longest))
    return st.lists(pair.map(lambda p: (p[0], p[0] + p[1])), min_size=min_size, max_size=max_size)


@st.composite
def scenarios(draw, formats=("periods", "slots", "overlapping_slots"), max_window=180):
    window = draw(st.integers(10, max_window))
    base_minute = 29_577_600 + draw(st.integers(0, 1439))  # 2026-03-28 + up to a day
    pool = ["acc_a", "acc_b", "acc_c", "acc_d", "acc_e"]
    groups = []
    for _ in range(draw(st.integers(1, 2))):
        subs = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        members = []
        for sub in subs:
            busy = draw(spans(-PAD, window + PAD, 4, 40))
            avail = draw(st.none() | st.none() | spans(-30, window, 3, 150, 1, window // 3))
            members.append((sub, busy, avail))
        required = draw(st.sampled_from(["all", *range(1, len(subs) + 1)]))
        groups.append({"members": members, "required": required})
    query = draw(spans(-30, window // 2, 3, window, 1, window // 2))
    return {
        "base": datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=base_minute),
        "base_minute": base_minute,
        "window": window,
        "groups": groups,
        "query": [(max(a, 0), min(b, window)) for a, b in query],
        "duration": draw(st.integers(1, 15) | st.integers(1, 75)),
        "before": draw(st.sampled_from([0, 0, 5, 15, 30])),
        "after": draw(st.sampled_from([0, 0, 10, 15, 45])),
        "interval": draw(st.sampled_from([None, None, 5, 10, 15, 20, 30, 45, 60, 90])),
        "format": draw(st.sampled_from(formats)),
        "max_results": draw(st.sampled_from([None, None, None, 1, 3])),
    }


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios(formats=("slots", "overlapping_slots"), max_window=300))
def test_slots_match_oracle(sc):
    assert run_engine(sc) == Oracle(sc).answer()


@SETTINGS
@given(scenarios(formats=("periods",), max_window=150))
def test_periods_match_oracle(sc):
    assert run_engine(sc) == Oracle(sc).answer()


@settings(max_examples=100, deadline=None)
@given(scenarios(max_window=120))
def test_translation_by_whole_days_changes_nothing(sc):
    """All allowed grids divide a day, so moving every input by 7 days moves the answer."""
    shifted = dict(sc, base=sc["base"] + timedelta(days=7), base_minute=sc["base_minute"] + 10080)
    assert run_engine(sc) == run_engine(shifted)
