"""Exceptions of the Meetup client, and the redaction that keeps secrets out of them.

Every message that may carry text from the network or the configuration passes through a
:class:`Redactor`, so a token echoed back by a server never reaches a log or a traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

REDACTED = "[REDACTED]"


class Redactor:
    """Replaces every registered secret (and its long-enough pieces) in a text.

    Tokens minted at run time (access and refresh tokens, JWT assertions) are added as they
    appear, so one instance is shared by the auth code, the transport and the log filter.
    """

    def __init__(self, secrets: Iterable[str | None] = (), parent: Redactor | None = None) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._parent = parent
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        """Register a secret; short values (< 6 chars) are ignored to avoid mangling text."""
        if secret and len(secret.strip()) >= 6:
            with self._lock:
                self._secrets.add(secret)
                if secret.strip() != secret:
                    self._secrets.add(secret.strip())
            if self._parent is not None:
                self._parent.add(secret)

    def __call__(self, text: object) -> str:
        out = str(text)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in out:
                out = out.replace(s, REDACTED)
        return out

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"


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
"""Every secret any resource of this process has seen; the log filter uses it."""


def get_logger(name: str) -> logging.Logger:
    """A logger Dagster shows in the run's event log (and that still propagates to root).

    Its records pass through the process-wide redactor, so a secret that slipped into a
    message is masked even where the code forgot to redact it.
    """
    import dagster as dg

    logger = dg.get_dagster_logger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter(PROCESS_REDACTOR))
    return logger


class MeetupError(RuntimeError):
    """Base class of everything the client raises on purpose."""


class MeetupConfigError(MeetupError):
    """The resource's settings are incomplete or contradictory (names variables, never values)."""


class MeetupAuthError(MeetupError):
    """Credentials were refused, or a 401 survived one token refresh."""


class MeetupQueryError(MeetupError):
    """The API rejected the query itself (GraphQL validation); retrying cannot help."""


class MeetupHTTPError(MeetupError):
    """A non-retryable HTTP status (e.g. 400, 403, 404)."""


class MeetupRetryError(MeetupError):
    """Retryable failures went on past the attempt cap or the overall deadline."""


class MeetupPaginationError(MeetupError):
    """The API's paging misbehaved (repeating cursor, too many pages, a missing cursor)."""
