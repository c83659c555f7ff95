"""Event generation for one group, from its own RNG, up to the fixed horizon.

Realism knobs (checked by the world-realism tests):
- cadence: `events_per_month` per group (0.4-12), ramping up over the first half year;
- seasonality: a Valentine's spike (Feb 7-17 x2.5, many events on Feb 14 itself), a
  December dip (x0.7, and x0.3 from Dec 20), a COVID lull (Mar 2020 - Jun 2021, x0.6);
- evening and weekend peaks (theme hours; Thu-Sat heavy), hikes on weekend mornings;
- ~5% cancelled (more in March-April 2020), ~10% online or hybrid (mostly 2020-2021);
- fees for groups whose theme charges (speed dating, dinners), RSVP caps and waitlists;
- a few events exactly at local midnight, and late parties across the DST switches.

Event ids are `(createdMinute * 10_000 + groupIndex)`: they grow with creation time like
Meetup's and reveal their group so `event(id)` generates one group only. Some groups use
letter ids for recurring events (Meetup's `qxbwpmyzlbkb` style), encoding the same number.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from meetup_pipeline.sandbox import themes
from meetup_pipeline.sandbox.region import BAY_AREA, SandboxRegion
from meetup_pipeline.sandbox.world import (
    HORIZON_TS,
    ONLINE_VENUE,
    SimEvent,
    SimGroup,
    SimVenue,
)

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_COVID = (date(2020, 3, 15), date(2021, 6, 30))
_EVENING_DAYS = (0.5, 0.8, 1.0, 1.4, 1.7, 1.6, 0.8)
_DAYTIME_DAYS = (0.15, 0.15, 0.2, 0.25, 0.35, 3.0, 2.4)
_MINUTES = (0, 0, 0, 0, 30, 30, 15, 45)


def _alpha_id(n: int) -> str:
    out = []
    for _ in range(11):
        n, r = divmod(n, 26)
        out.append(_LETTERS[r])
    return "q" + "".join(reversed(out))


def group_index_of_event(event_id: str) -> int | None:
    """The group index embedded in an event id (numeric or letter form), or None."""
    if event_id.isdigit():
        return int(event_id) % 10_000
    if len(event_id) == 12 and event_id[0] == "q" and event_id.isalpha() and event_id.islower():
        n = 0
        for ch in event_id[1:]:
            n = n * 26 + _LETTERS.index(ch)
        return n % 10_000
    return None


def _season(day: date) -> float:
    """Weekly intensity multiplier from the calendar."""
    if day.month == 2 and 7 <= day.day <= 17:
        return 2.5
    if day.month == 12:
        return 0.3 if day.day >= 20 else 0.7
    factor = {1: 1.1, 2: 1.2, 7: 1.05, 8: 1.05}.get(day.month, 1.0)
    if _COVID[0] <= day <= _COVID[1]:
        factor *= 0.6
    return factor


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit and k < 12:
        k += 1
        p *= rng.random()
    return k


def _event_type(rng: random.Random, day: date) -> str:
    roll = rng.random()
    if _COVID[0] <= day <= _COVID[1]:
        return "ONLINE" if roll < 0.7 else ("HYBRID" if roll < 0.75 else "PHYSICAL")
    if day.year >= 2020:
        return "ONLINE" if roll < 0.04 else ("HYBRID" if roll < 0.08 else "PHYSICAL")
    return "ONLINE" if roll < 0.02 else "PHYSICAL"


def _slots(
    rng: random.Random, group: SimGroup, start: date, end: date, region: SandboxRegion
) -> list[tuple]:
    """(local datetime, kind) for every event, kind in normal/valentine/midnight/dst."""
    theme = group.theme
    days_w = _DAYTIME_DAYS if theme.weekend_day else _EVENING_DAYS
    base = group.events_per_month * 12 / 52
    slots: list[tuple] = []
    week = start - timedelta(days=start.weekday())
    while week <= end:
        mid = week + timedelta(days=3)
        ramp = min(1.0, 0.5 + (week - start).days / 360)
        for _ in range(_poisson(rng, base * _season(mid) * ramp)):
            day = week + timedelta(days=rng.choices(range(7), days_w)[0])
            kind = "normal"
            valentine = date(day.year, 2, 14)
            if 0 <= (valentine - week).days < 7 and rng.random() < 0.4:
                day, kind = valentine, "valentine"
            hour, minute = rng.choice(theme.hours), rng.choice(_MINUTES)
            if rng.random() < 0.0015:
                hour, minute, kind = 0, 0, "midnight"
            slots.append((datetime(day.year, day.month, day.day, hour, minute), kind))
        week += timedelta(days=7)
    for year in range(start.year, end.year + 1):
        for sat in region.dst_eves(year):
            if rng.random() < 0.12 and start <= sat <= end:
                slots.append((datetime(sat.year, sat.month, sat.day, 22, 0), "dst"))
    return slots


def generate_events(seed: int, group: SimGroup, region: SandboxRegion = BAY_AREA) -> list[SimEvent]:
    """All events of `group` from shortly after founding to its closing or the horizon."""
    rng = random.Random(f"events:{seed}:{group.index}")
    theme = group.theme
    first_ts = group.founded_ts + rng.randint(7, 60) * 86400
    end_ts = min(group.closed_ts or HORIZON_TS, HORIZON_TS)
    zone = region.zone
    start_day = datetime.fromtimestamp(first_ts, zone).date()
    end_day = datetime.fromtimestamp(end_ts, zone).date()
    charges = rng.random() < theme.fee_prob
    letter_ids = rng.random() < 0.2
    used: set[int] = set()
    events: list[SimEvent] = []
    for local, kind in _slots(rng, group, start_day, end_day, region):
        start_ts = int(local.replace(tzinfo=zone).timestamp())
        if not first_ts <= start_ts < end_ts:
            continue
        day = local.date()
        duration = max(60, theme.minutes + rng.choice((-30, 0, 0, 30, 60)))
        title = rng.choice(theme.titles)
        if kind == "dst":
            duration, title = 300, "Late Night Singles Party (clocks change tonight!)"
        elif kind == "midnight":
            title = "Midnight Mixer for Night Owls"
        elif kind == "valentine":
            title = "Valentine's Day " + title
        etype = _event_type(rng, day)
        physical: SimVenue | None = rng.choice(group.venue_pool)
        if etype == "PHYSICAL" and rng.random() < 0.01:
            physical = None  # "location to be announced": no venue at all
        venues: tuple[SimVenue, ...]
        if etype == "ONLINE":
            venues = (ONLINE_VENUE,)
        elif etype == "HYBRID":
            venues = (physical or group.venue_pool[0], ONLINE_VENUE)
        else:
            venues = (physical,) if physical else ()
        cancelled = rng.random() < 0.045
        if etype == "PHYSICAL" and date(2020, 3, 1) <= day <= date(2020, 4, 15):
            cancelled = cancelled or rng.random() < 0.5
        lead_days = min(88.0, rng.triangular(1, 88, 12))
        created_ts = max(group.founded_ts + 600, start_ts - int(lead_days * 86400))
        created_ts = min(created_ts, start_ts - 3600) + rng.randint(0, 59)
        n = (created_ts // 60) * 10_000 + group.index
        while n in used:
            n += 10_000
        used.add(n)
        event_id = _alpha_id(n) if letter_ids and rng.random() < 0.5 else str(n)
        max_tickets = rng.randint(*theme.max_tickets) if theme.max_tickets else 0
        fee = None
        if charges and rng.random() < 0.9:
            amount = float(rng.randint(*theme.fee_range)) + rng.choice((0.0, 0.0, 0.5, 0.99))
            fee = (amount, "USD", rng.choice(("CASH", "PAYPAL", "PAYPAL")))
        cap = venues[0].capacity if venues else 200
        if max_tickets:
            cap = min(cap, max_tickets)
        rate = rng.uniform(0.008, 0.04) * (1.8 if kind == "valentine" else 1.0)
        demand = max(1, round(group.members_at(start_ts) * rate * rng.lognormvariate(0, 0.4)))
        yes = min(demand, cap)
        topic_count = rng.randint(0, 2)
        topics = tuple({rng.choice(group.topics).id: 0 for _ in range(topic_count)})
        if "{" in title:
            title = title.format(
                a=rng.choice(themes.AGE_BANDS), v=venues[0].name if venues else "a secret spot"
            )
        events.append(
            SimEvent(
                id=event_id,
                group_index=group.index,
                group_id=group.id,
                group_urlname=group.urlname,
                start_ts=start_ts,
                duration_min=duration,
                created_ts=created_ts,
                title=title,
                event_type=etype,
                venues=venues,
                cancelled=cancelled,
                fee=fee,
                max_tickets=max_tickets,
                yes=yes,
                waitlist=demand - yes,
                no=round(yes * rng.uniform(0.05, 0.25)),
                attend_rate=rng.uniform(0.6, 0.95),
                topic_ids=topics,
                has_photo=rng.random() < 0.6,
                group_name=group.name,
                city=group.city.name,
                zone=zone,
            )
        )
    events.sort(key=lambda e: (e.start_ts, e.id))
    return events
