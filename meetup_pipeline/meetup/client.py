"""The async Meetup client: group discovery and one window's events, paged and guarded.

Cost model (the 2018 project's lesson): groups are discovered once per window from every
configured source (``discovery.py``), then each group's events for the WHOLE window come
from one paginated ``groupByUrlname.events`` query, so a ten-year backfill costs about
groups x pages requests, not groups x days. A Pro network's chapters are not paged one by
one: the window's events of all of them come from ``proNetwork.eventsSearch`` in pages, so
that cost grows with the events alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from . import discovery, queries
from .errors import MeetupPaginationError, get_logger
from .models import Event, Extraction, ExtractStats, Fetched, Group, Reject
from .ratelimit import estimate_cost
from .sources import SearchSettings, Sources, union

__all__ = ["ClientOptions", "MeetupClient", "SearchSettings", "Sources"]
from .sanitize import landed, storable, unstorable
from .transport import GraphQLTransport

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

WINDOW_MARGIN = timedelta(days=1)
"""How much wider than the window the API is asked for. Whether ``afterDateTime`` and
``beforeDateTime`` are inclusive (or even compared as instants) is not documented, so the
client asks for a margin and applies ``start <= dateTime < end`` itself."""


@dataclass
class ClientOptions:
    page_size: int = queries.PAGE_CAP
    max_pages: int = 500
    window_margin: timedelta = WINDOW_MARGIN
    statuses: tuple[str, ...] = queries.EVENT_STATUSES
    source: Literal["sandbox", "api"] = "api"
    page_refetches: int = 2
    """How often a damaged-looking page is fetched again before its damage is accepted."""
    verify_totals: bool = True
    """Fail when fewer distinct events arrive than ``events.totalCount`` announces."""
    workers: int = 8
    """Groups whose events are paged at the same time while streaming a window (more than
    the transport's concurrency, so a group backing off after errors does not idle it)."""


@dataclass
class _Paging:
    """What one connection's paging learned, for its caller once the pages are consumed."""

    total: int | None = None
    found: bool = True
    received: int = 0


def _reason(exc: ValidationError) -> tuple[str, str]:
    """(the first field, a summary without input values: payloads can be long)."""
    errors = exc.errors(include_url=False, include_input=False)
    fields = [".".join(str(p) for p in err["loc"]) or "<root>" for err in errors]
    parts = [f"{f}: {err['msg']}" for f, err in zip(fields, errors, strict=True)]
    return storable(fields[0]), storable("; ".join(parts[:5]))


def _parse(model: type[M], entity: str, raw: Any) -> Fetched[M] | Reject:
    """The record in a form PostgreSQL and the staging SQL accept, or why it is refused."""
    if not isinstance(raw, dict):
        return Reject(entity, {"value": storable(raw)}, "not a JSON object")
    if problem := unstorable(raw):
        field, reason = problem
        return Reject(entity, storable(raw), f"{field}: {reason}", field)
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        field, reason = _reason(exc)
        return Reject(entity, raw, reason, field)
    return Fetched(parsed, landed(parsed, raw))


def _iso(dt: datetime) -> str:
    """DateTime input with seconds and an explicit offset (the API refuses naive values)."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def _require_aware(name: str, dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {dt.isoformat()})")


def _with_group(node: Any, group_id: str, urlname: str) -> Any:
    """An event paged under a group's connection belongs to that group: a missing stub, or
    a stub whose ``id``/``urlname`` is missing or null, is repaired from the connection.

    Only then is the group certain; a stub naming another group is left as the API sent
    it, and an event with no such context (a search) is validated as it came.
    """
    if not isinstance(node, dict):
        return node
    stub = node.get("group")
    if stub is None:
        return {**node, "group": {"id": group_id, "urlname": urlname}}
    if not isinstance(stub, dict):
        return node
    sid, surl = stub.get("id"), stub.get("urlname")
    if sid is not None and surl is not None:
        return node
    if sid is not None and str(sid) != group_id:
        return node  # it names another group: not ours to overrule
    if surl is not None and str(surl).casefold() != urlname.casefold():
        return node
    return {**node, "group": {**stub, "id": group_id, "urlname": surl or urlname}}


async def _all(coros: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Run concurrently; on failure cancel the rest and raise the first error itself.

    A bare ``TaskGroup`` would raise an ``ExceptionGroup``; callers (and Dagster's error
    display) deserve the clear ``MeetupError`` inside it.
    """
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(c) for c in coros]
    except BaseExceptionGroup as group:
        leaf: BaseException = group
        while isinstance(leaf, BaseExceptionGroup):
            leaf = leaf.exceptions[0]
        raise leaf from None
    return [t.result() for t in tasks]


class MeetupClient:
    """Extraction over one :class:`GraphQLTransport` (one event loop, one run)."""

    def __init__(
        self,
        transport: GraphQLTransport,
        search: SearchSettings,
        options: ClientOptions | None = None,
        sources: Sources | None = None,
    ) -> None:
        self.transport = transport
        self.search = search
        self.options = options or ClientOptions()
        self.sources = sources if sources is not None else Sources(search=search)
        """What to extract; by default the one keyword search ``search``."""
        self.notes: list[str] = []
        """Things a person should know about this extraction (tolerated drift, ...)."""

    @property
    def stats(self) -> ExtractStats:
        return self.transport.stats

    async def _paginate(
        self,
        op: str,
        query: str,
        variables: dict[str, Any],
        connection: Callable[[dict[str, Any]], dict[str, Any] | None],
        selection: queries.Selection,
        first: int | None = None,
    ) -> tuple[list[Any], int | None, bool]:
        """All pages of :meth:`_pages` in one list: nodes, ``totalCount``, root found."""
        paging = _Paging()
        nodes: list[Any] = []
        pages = self._pages(op, query, variables, connection, selection, paging, first)
        async for page in pages:
            nodes.extend(page)
        return nodes, paging.total, paging.found

    async def _pages(
        self,
        op: str,
        query: str,
        variables: dict[str, Any],
        connection: Callable[[dict[str, Any]], dict[str, Any] | None],
        selection: queries.Selection,
        paging: _Paging,
        first: int | None = None,
    ) -> AsyncIterator[list[Any]]:
        """Each page's edges' nodes of a forward-paged connection, duplicates dropped.

        A page that looks damaged (a repeated or missing cursor, a record with a missing
        field or a null non-null field) is fetched again, up to ``page_refetches`` times:
        such damage is usually transient. If it persists, paging faults stop the run with an
        error, while drifted records are kept (tolerated or rejected by the models).
        ``paging`` receives the last reported ``totalCount``, whether the root was found and
        how many distinct nodes arrived. Only the ids of the connection are kept in memory.
        """
        seen_ids: set[str] = set()
        seen_cursors: set[str] = set()
        after: str | None = None
        total: int | None = None
        first = first or self.options.page_size
        for page in range(1, self.options.max_pages + 2):
            if page > self.options.max_pages:
                raise MeetupPaginationError(
                    f"{op}: more than {self.options.max_pages} pages; stopping rather than "
                    "looping (raise max_pages if this is real)"
                )
            for refetch in range(self.options.page_refetches + 1):
                data = await self.transport.execute(
                    op, query, {**variables, "first": first, "after": after}, estimate_cost(first)
                )
                self.stats.pages += 1
                conn = connection(data)
                if conn is None:
                    paging.found = False
                    return
                fatal, drift = self._page_problems(conn, after, seen_cursors, selection)
                if not fatal and not drift:
                    break
                problem = fatal or f"drifted records ({'; '.join(drift[:3])})"
                if refetch < self.options.page_refetches:
                    self.stats.refetches += 1
                    log.warning(
                        "%s: page %d looks damaged (%s); fetching it again", op, page, problem
                    )
                    continue
                if fatal:
                    raise MeetupPaginationError(
                        f"{op}: {fatal} on page {page}, {refetch + 1} times; stopping rather "
                        "than looping or returning a silently short result"
                    )
                self.stats.drifted_pages += 1
                self.notes.append(f"{op}: page {page} kept {problem}")
                log.warning("%s: page %d keeps %s; keeping what validates", op, page, problem)
            total = conn.get("totalCount") if isinstance(conn.get("totalCount"), int) else total
            nodes: list[Any] = []
            for edge in conn.get("edges") or []:
                node = edge.get("node") if isinstance(edge, dict) else None
                node_id = node.get("id") if isinstance(node, dict) else None
                if node_id is not None:
                    if str(node_id) in seen_ids:
                        self.stats.duplicate_edges += 1
                        continue
                    seen_ids.add(str(node_id))
                nodes.append(node)
            paging.total, paging.received = total, paging.received + len(nodes)
            yield nodes
            info = conn.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            seen_cursors.add(info["endCursor"])
            after = info["endCursor"]
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _page_problems(
        conn: dict[str, Any],
        after: str | None,
        seen_cursors: set[str],
        selection: queries.Selection,
    ) -> tuple[str | None, list[str]]:
        """(a paging fault or None, drift anomalies of the page's records)."""
        fatal: str | None = None
        info = conn.get("pageInfo") or {}
        if not isinstance(conn.get("edges"), list):
            fatal = "a page without an edges list"
        elif info.get("hasNextPage"):
            cursor = info.get("endCursor")
            if not cursor:
                fatal = "hasNextPage without an endCursor"
            elif cursor == after or cursor in seen_cursors:
                fatal = f"the API repeated cursor {cursor!r}"
        drift = [
            f"{(edge.get('node') or {}).get('id', '?')}: {a}"
            for edge in conn.get("edges") or []
            if isinstance(edge, dict)
            for a in queries.anomalies(edge.get("node"), selection)
        ]
        return fatal, drift

    async def search_groups(self) -> tuple[list[Fetched[Group]], list[Reject]]:
        """Every configured source's groups (all pages), merged by id with their sources."""
        found = await discovery.discover(self)
        return found.groups, found.rejects

    async def group_events(
        self, urlname: str, start: datetime, end: datetime, group_id: str | None = None
    ) -> tuple[list[Fetched[Event]], list[Reject]]:
        """One group's events with ``start <= dateTime < end``, via ONE paged query."""
        events: list[Fetched[Event]] = []
        rejects: list[Reject] = []
        async for page in self.group_event_pages(urlname, start, end, group_id):
            for record in page:
                (rejects if isinstance(record, Reject) else events).append(record)  # type: ignore[arg-type]
        return events, rejects

    async def group_event_pages(
        self,
        urlname: str,
        start: datetime,
        end: datetime,
        group_id: str | None = None,
        sources: tuple[str, ...] = (),
    ) -> AsyncIterator[list[Fetched[Event] | Reject]]:
        """One group's events of the window, page by page, parsed or rejected, each event
        with ``sources`` (those of its group)."""
        _require_aware("start", start)
        _require_aware("end", end)
        # compare instants: same-tzinfo datetimes compare by wall time, wrong across DST
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        margin = self.options.window_margin
        variables = {
            "urlname": urlname,
            "afterDateTime": _iso(start - margin),
            "beforeDateTime": _iso(end + margin),
            "status": list(self.options.statuses),
        }
        op = f"events({urlname!r})"
        paging = _Paging()
        async for nodes in self._pages(
            op,
            queries.GROUP_EVENTS,
            variables,
            lambda d: (d.get("groupByUrlname") or {}).get("events")
            if d.get("groupByUrlname") is not None
            else None,
            queries.EVENT_SELECTION,
            paging,
        ):
            records = self._event_records(nodes, urlname, group_id, start, end)
            if sources:
                records = [
                    r if isinstance(r, Reject) else replace(r, sources=sources) for r in records
                ]
            yield records
        if not paging.found:
            reason = "group not found by urlname (deleted or renamed since discovery?)"
            yield [Reject("group_events", {"urlname": urlname}, reason)]
        elif (
            self.options.verify_totals
            and paging.total is not None
            and paging.received < paging.total
        ):
            raise MeetupPaginationError(
                f"{op}: received {paging.received} distinct events but the API counts "
                f"{paging.total}; refusing a silently short result"
            )

    def _event_records(
        self,
        nodes: list[Any],
        urlname: str,
        group_id: str | None,
        start: datetime,
        end: datetime,
    ) -> list[Fetched[Event] | Reject]:
        records: list[Fetched[Event] | Reject] = []
        for node in nodes:
            if group_id is not None:
                node = _with_group(node, group_id, urlname)
            parsed = _parse(Event, "event", node)
            if isinstance(parsed, Fetched):
                if start <= parsed.model.date_time < end:
                    records.append(parsed)
            elif not self._outside(node, start, end):
                records.append(parsed)
        return records

    @staticmethod
    def _outside(node: Any, start: datetime, end: datetime) -> bool:
        """Whether an unparseable event's raw ``dateTime`` is clearly outside the window."""
        raw = node.get("dateTime") if isinstance(node, dict) else None
        try:
            dt = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            return False
        return dt.tzinfo is not None and not (start <= dt < end)

    async def stream_window(
        self, start: datetime, end: datetime
    ) -> AsyncIterator[list[Fetched[Group] | Fetched[Event] | Reject]]:
        """Every discovered group, then every event with ``start <= dateTime < end``, in
        chunks of one page as they arrive: memory does not grow with the window.

        Groups come first (one list: they are bounded by the sources, not by the window).
        A Pro network's events come from its ``eventsSearch`` in pages; every other group's
        from its own paged query, ``workers`` groups at a time. At most a few pages wait for
        the consumer, so a slow consumer slows the extraction instead of filling memory. An
        event found twice comes twice (each copy with the sources that saw it); the
        consumer keeps one copy and the union of the sources.
        """
        _require_aware("start", start)
        _require_aware("end", end)
        if not start < end:
            raise ValueError(f"empty window: start {start.isoformat()} >= end {end.isoformat()}")
        t0 = time.perf_counter()
        found = await discovery.discover(self)
        yield [*found.groups, *found.rejects]
        workers = max(1, self.options.workers)
        pages: asyncio.Queue[list[Any] | None] = asyncio.Queue(workers)
        todo = iter([g for g in found.groups if g.model.id not in found.network_ids])

        async def worker() -> None:
            for group in todo:  # shared: each group is paged by exactly one worker
                model = group.model
                async for page in self.group_event_pages(
                    model.urlname, start, end, model.id, group.sources
                ):
                    await pages.put(page)

        async def network() -> None:
            if self.sources.network:
                margin = self.options.window_margin
                network = self.sources.network
                known = found.by_id()
                pages_of = discovery.network_event_pages(self, network, start, end, known, margin)
                async for page in pages_of:
                    await pages.put(page)

        async def run() -> None:
            try:
                await _all([network(), *(worker() for _ in range(workers))])
            except asyncio.CancelledError:
                raise  # the consumer is gone: waiting to tell it would never end
            except BaseException:
                await pages.put(None)
                raise
            await pages.put(None)

        runner = asyncio.create_task(run())
        try:
            while (page := await pages.get()) is not None:
                yield page
            await runner  # raises the first worker's error
        finally:
            runner.cancel()
            self.stats.seconds = round(time.perf_counter() - t0, 3)

    async def extract_window(self, start: datetime, end: datetime) -> Extraction:
        """Every discovered group and every event with ``start <= dateTime < end``, in lists
        (small windows: the upcoming refresh, tests; the raw layer streams instead)."""
        groups: list[Fetched[Group]] = []
        events: dict[str, Fetched[Event]] = {}
        rejects: list[Reject] = []
        async for chunk in self.stream_window(start, end):
            for record in chunk:
                if isinstance(record, Reject):
                    rejects.append(record)
                elif isinstance(record.model, Group):
                    groups.append(record)  # type: ignore[arg-type]
                else:
                    seen = events.get(record.model.id)
                    if seen is not None:  # one copy, every source that saw it
                        record = replace(seen, sources=union(seen.sources, record.sources))
                    events[record.model.id] = record  # type: ignore[assignment]
        extraction = Extraction(
            groups=groups,
            events=sorted(events.values(), key=lambda f: (f.model.date_time, f.model.id)),
            rejects=rejects,
            stats=self.stats,
            source=self.options.source,
            fetched_at=self.transport.clock.now(),
            window=(start, end),
            notes=list(self.notes),
        )
        if rejects:
            # the policy (warn or block) is the reject-rate asset check's; rejects are stored
            log.warning("%d records rejected (%.2f%%)", len(rejects), 100 * extraction.reject_rate)
        return extraction
