"""Secret masking, in one place: every module that may print a secret masks it here.

A :class:`Redactor` replaces the secrets registered with it, and the password of any
``scheme://user:password@`` URL, by ``***``. A secret is masked in every encoding it may
travel in: as is, URL-encoded (a form body or query string a server echoes, both the
``%20`` and ``+`` forms, upper- or lower-case hex), JSON-escaped, base64 (alone, and as the
``client_id:secret`` of an HTTP basic-auth header, see :meth:`Redactor.add_pair`).
The Meetup client keeps one per resource (tokens minted at run time are added as they
appear) chained to a process-wide one that a log filter applies; the warehouse, Dagster's
storage and the failure alerts mask their texts with :func:`mask`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LENGTH = 6
"""Shorter registered values are ignored: masking "abc" everywhere would mangle text."""

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@", re.I)


_HEX_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def encodings(secret: str) -> set[str]:
    """The forms ``secret`` takes in a URL, a form body, JSON text or base64."""
    forms = {secret}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.add(encoded)
        forms.add(_HEX_ESCAPE.sub(lambda m: m.group(0).lower(), encoded))
    for ascii_only in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        forms.update({escaped, escaped.replace("/", "\\/")})
    raw = secret.encode("utf-8")
    forms.update(
        {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    )
    return forms


def basic_auth_forms(user: str, secret: str) -> set[str]:
    """``base64(user:secret)`` as an HTTP basic-auth header carries it, with the parts as
    they are and form-encoded first (RFC 6749 2.3.1 asks clients to do so)."""
    pairs = {f"{user}:{secret}", f"{quote_plus(user)}:{quote_plus(secret)}"}
    return {base64.b64encode(p.encode("utf-8")).decode() for p in pairs}


class Redactor:
    """Replaces every registered secret, and every URL's password, in a text.

    Longer secrets are replaced first, so one that contains another is masked whole.
    Secrets registered here are also registered with ``parent``.
    """

    def __init__(
        self,
        secrets: Iterable[str | None] = (),
        parent: Redactor | None = None,
        min_length: int = MIN_SECRET_LENGTH,
    ) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._parent = parent
        self._min_length = min_length
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        """Register a secret (its stripped form, and every encoding of both); too-short
        values are ignored."""
        if secret and len(secret.strip()) >= self._min_length:
            forms = encodings(secret) | encodings(secret.strip())
            with self._lock:
                self._secrets.update(forms)
            if self._parent is not None:
                self._parent.add(secret)

    def add_pair(self, user: str | None, secret: str | None) -> None:
        """Register the basic-auth header of ``user:secret`` (the secret itself as well)."""
        self.add(secret)
        if user and secret and len(secret.strip()) >= self._min_length:
            with self._lock:
                self._secrets.update(basic_auth_forms(user.strip(), secret.strip()))
            if self._parent is not None:
                self._parent.add_pair(user, secret)

    def __call__(self, text: object) -> str:
        out = _URL_PASSWORD.sub(rf"\g<head>{MASK}@", str(text))
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in out:
                out = out.replace(s, MASK)
        return out

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"


def mask(text: object, *secrets: str | None, min_length: int = 1) -> str:
    """`text` with these secrets and any URL password replaced by ``***``."""
    return Redactor(secrets, min_length=min_length)(text)


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites records through a :class:`Redactor`."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        record.msg = self.redactor(message)
        record.args = None
        return True


PROCESS_REDACTOR = Redactor()
"""Every secret any Meetup resource of this process has seen; the client's log filter uses it."""
