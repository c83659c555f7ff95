"""Secret masking, in one place: every module that may print a secret masks it here.

A :class:`Redactor` replaces the secrets registered with it, and the password of any
``scheme://user:password@`` URL, by ``***``. The Meetup client keeps one per resource
(tokens minted at run time are added as they appear) chained to a process-wide one that a
log filter applies; the warehouse, Dagster's storage and the failure alerts mask their
texts with :func:`mask`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

MASK = "***"
MIN_SECRET_LENGTH = 6
"""Shorter registered values are ignored: masking "abc" everywhere would mangle text."""

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@", re.I)


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
        """Register a secret (and its stripped form); too-short values are ignored."""
        if secret and len(secret.strip()) >= self._min_length:
            with self._lock:
                self._secrets.add(secret)
                if secret.strip() != secret:
                    self._secrets.add(secret.strip())
            if self._parent is not None:
                self._parent.add(secret)

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
