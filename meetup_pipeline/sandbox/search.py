"""`groupSearch`: fuzzy matching over names, topics and descriptions, within a radius in miles.

Matching, per query token (lower-cased words of 2+ letters, minus stop words): a group word
matches when equal, when the token is a prefix of it (tokens of 3+ letters), or within one
edit (tokens of 5+ letters). A group matches when any token matches (the live API is this
loose: "R-Ladies" ranks "ladies dinner bunco club" first). Score: 3 per token found in the
name, else 2 in a topic, else 1 in the description; ties by member count, then id.

Closed groups and groups founded after "now" are not listed. An empty query lists every
group in the radius. `radius` defaults to 25 miles, like the live API.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from meetup_pipeline.sandbox.world import SimGroup, World, miles

DEFAULT_RADIUS = 25.0
_STOP = frozenset({"the", "and", "of", "for", "in", "a", "an", "to", "at", "on", "with", "by"})
_WORD = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Lower-cased words of two or more characters, without stop words."""
    return [w for w in _WORD.findall(text.lower()) if len(w) >= 2 and w not in _STOP]


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _word_matches(token: str, word: str) -> bool:
    if token == word:
        return True
    if len(token) >= 3 and word.startswith(token):
        return True
    return len(token) >= 5 and _within_one_edit(token, word)


class SearchIndex:
    """Per-world word sets for each group's name, topics and description."""

    def __init__(self, world: World) -> None:
        self.fields: list[tuple[set[str], set[str], set[str]]] = []
        vocab: set[str] = set()
        for g in world.groups:
            name = set(tokens(g.name)) | set(tokens(g.urlname))
            topics = {w for t in g.topics for w in tokens(t.name)}
            desc = set(tokens(g.description))
            self.fields.append((name, topics, desc))
            vocab |= name | topics | desc
        self.vocab = sorted(vocab)

    def score(self, query: str) -> list[int]:
        """Score of every group (index-aligned with `world.groups`); 0 is no match."""
        qtokens = tokens(query)
        if not qtokens:
            return [1] * len(self.fields)
        expanded = [{w for w in self.vocab if _word_matches(t, w)} for t in qtokens]
        scores = []
        for name, topics, desc in self.fields:
            total = 0
            for words in expanded:
                if words & name:
                    total += 3
                elif words & topics:
                    total += 2
                elif words & desc:
                    total += 1
            scores.append(total)
        return scores


def index_for(world: World) -> SearchIndex:
    """The search index of `world`, built once and kept on the world."""
    index = world.__dict__.get("_search_index")
    if index is None:
        index = world.__dict__["_search_index"] = SearchIndex(world)
    return index


def search_groups(world: World, flt: dict[str, Any], now: datetime) -> list[SimGroup]:
    """All groups matching a `GroupSearchFilter` at `now`, best first."""
    now_ts = now.timestamp()
    radius = flt.get("radius")
    radius = DEFAULT_RADIUS if radius is None else float(radius)
    lat, lon = float(flt["lat"]), float(flt["lon"])
    category = flt.get("topicCategoryId") or flt.get("categoryId")
    exact = {k: str(flt[k]).lower() for k in ("city", "state", "zip", "country") if flt.get(k)}
    scores = index_for(world).score(str(flt.get("query") or ""))
    found: list[tuple[int, int, str, SimGroup]] = []
    for group, score in zip(world.groups, scores, strict=True):
        if score <= 0 or not group.exists_at(now_ts) or group.closed_at(now_ts):
            continue
        if category is not None and group.category_id != str(category):
            continue
        values = {"city": group.city.name, "state": "CA", "zip": group.city.zip, "country": "us"}
        if any(values[k].lower() != v for k, v in exact.items()):
            continue
        if miles(lat, lon, group.lat, group.lon) > radius:
            continue
        found.append((-score, -group.members_at(now_ts), group.id, group))
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found]
