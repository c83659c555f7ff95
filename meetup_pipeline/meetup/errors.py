"""Exceptions of the Meetup client, and its logger.

Every message that may carry text from the network or the configuration passes through a
:class:`~meetup_pipeline.redaction.Redactor` (the project's one masking implementation),
so a token echoed back by a server never reaches a log or a traceback.
"""

from __future__ import annotations

import logging

from meetup_pipeline.redaction import PROCESS_REDACTOR as PROCESS_REDACTOR
from meetup_pipeline.redaction import RedactingFilter as RedactingFilter
from meetup_pipeline.redaction import Redactor as Redactor


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
