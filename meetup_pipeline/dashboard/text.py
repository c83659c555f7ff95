"""Title tokenizing for the word cloud, and the URL rule for links.

The 2018 dashboard cleaned titles with `str.replace` (first match only) and a short ad-hoc
stopword list; here words are Unicode word runs (keeping inner apostrophes and hyphens),
lower-cased, possessives folded, and filtered by a standard English stopword list.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from urllib.parse import urlsplit

# A standard English stopword list (the classic SMART/NLTK core), plus title noise such
# as "w/" and ordinal numbers; domain words ("singles", "dating") are kept on purpose.
STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his
    how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out
    over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's which while who who's
    whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also just get got via vs w amp etc us let lets one two
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_WORD = re.compile("[^\\W_]+(?:['\u2019\\-][^\\W_]+)*")


MIN_BIGRAM_TITLES = 2
BIGRAM_SHARE = 0.6
"""A pair of words is one term ("san francisco", "speed dating") when it occurs in at least
`MIN_BIGRAM_TITLES` titles and accounts for this share of its rarer word's uses."""


def _words(title: str) -> list[str | None]:
    """A title's words in order, lower-cased; None where a stopword or number breaks it."""
    out: list[str | None] = []
    for raw in _WORD.findall(title.lower()):
        word = raw.replace("\u2019", "'")
        if word.endswith("'s"):
            word = word[:-2]
        content = not (len(word) < 2 or word.isdigit() or word in STOPWORDS)
        if content and re.fullmatch(r"\d+(st|nd|rd|th|pm|am)", word):
            content = False
        out.append(word if content else None)
    return out


def tokenize(title: str) -> list[str]:
    """Distinct content words of a title, in order of first appearance."""
    return list(dict.fromkeys(w for w in _words(title) if w))


def _pairs(words: list[str | None]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in pairwise(words) if a and b and a != b}


def common_bigrams(titles: Iterable[str]) -> set[tuple[str, str]]:
    """Adjacent word pairs that behave as one term across `titles` (see `BIGRAM_SHARE`)."""
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for title in titles:
        words = _words(title)
        singles.update({w for w in words if w})
        pairs.update(_pairs(words))
    return {
        (a, b)
        for (a, b), n in pairs.items()
        if n >= MIN_BIGRAM_TITLES and n >= BIGRAM_SHARE * min(singles[a], singles[b])
    }


def tokenize_titles(titles: Sequence[str]) -> list[list[str]]:
    """Each title's distinct terms: common bigrams kept whole ("san francisco"), else words."""
    bigrams = common_bigrams(titles)
    out = []
    for title in titles:
        words = _words(title)
        terms: dict[str, None] = {}
        i = 0
        while i < len(words):
            word = words[i]
            nxt = words[i + 1] if i + 1 < len(words) else None
            if word and nxt and (word, nxt) in bigrams:
                terms.setdefault(f"{word} {nxt}", None)
                i += 2
                continue
            if word:
                terms.setdefault(word, None)
            i += 1
        out.append(list(terms))
    return out


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL with a host; anything else is no link."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in url for ch in "\x00\r\n\t<>\"' "):
        return None
    return url
