"""The API's per-client rate limit, counted by the ``limits`` library in memory or in a store workers share.

``memory://`` (the default) counts in each process, so N uvicorn workers let a client make N times the
limit; a Redis URL makes every worker count in one place. A store that stops answering must not take the
chat down with it: each worker then counts alone in memory, says so once in the log, and tries the store
again every few seconds.

Why ``limits`` directly and not slowapi (its wrapper for Starlette): slowapi's middleware looks the endpoint
up in ``app.routes``, where FastAPI 0.165 keeps each included router as one route without an endpoint, so it
lets every /api request through unlimited; its decorators tie limits to one Limiter when the module is
imported, while our limit and store come from settings at start-up, and they count only requests that
passed validation; and its Retry-After header for a 429 comes from private methods.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)

NAMESPACE = "plan-assistant-api"  # one budget per client across every /api route
# The limiter should cost a millisecond; a store slower than this counts as down and the request goes on.
STORE_TIMEOUT_SECONDS = 0.5
# While the shared store is down, each worker counts alone and tries the store again this often.
RETRY_STORE_SECONDS = 5.0
_REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+cluster", "redis+sentinel", "valkey", "valkeys")


@dataclass(frozen=True)
class Refusal:
    """A request over the limit: the limit it broke and how long until the client may ask again."""

    limit: str  # "30 per 1 minute"
    retry_after: int  # whole seconds, at least 1


def describe_store(url: str) -> str:
    """The store's URL without any password, fit for a log line or an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return parts._replace(netloc=f"{user}{host}{port}").geturl()


def open_store(url: str) -> Storage:
    """The ``limits`` storage behind url (memory:// or a Redis URL), or a ValueError saying what to write."""
    scheme = urlsplit(url).scheme
    if scheme.startswith("async+"):
        raise ValueError(f"{describe_store(url)} is an asyncio store; write it without 'async+'")
    options: dict[str, float | str | bool] = {"wrap_exceptions": True}
    if scheme in _REDIS_SCHEMES:
        # redis-py waits forever by default; a URL's own ?socket_timeout=... still wins.
        options |= {"socket_connect_timeout": STORE_TIMEOUT_SECONDS, "socket_timeout": STORE_TIMEOUT_SECONDS}
    try:
        store = storage_from_string(url, **options)
    except ConfigurationError as exc:
        raise ValueError(
            f"{describe_store(url)} is not a rate limit store: use memory:// (each worker counts alone) or "
            f"redis://HOST:PORT/DB (every worker shares the count) ({exc})"
        ) from None
    if not isinstance(store, Storage) or not isinstance(store, MovingWindowSupport):
        raise ValueError(
            f"{describe_store(url)} cannot count a moving window; use memory:// or redis://HOST:PORT/DB"
        )
    return store


class RateLimit:
    """Counts each client's API requests against the limit, in the configured store (memory while it is down)."""

    def __init__(
        self,
        limit: str,
        store_url: str = "memory://",
        retry_store_seconds: float = RETRY_STORE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.items: list[RateLimitItem] = parse_many(limit)
        self.store_url = store_url
        store = open_store(store_url)
        self._store = MovingWindowRateLimiter(store)
        self.shared = not isinstance(store, MemoryStorage)
        self._alone = MovingWindowRateLimiter(MemoryStorage()) if self.shared else self._store
        self._retry_store_seconds = retry_store_seconds
        self._clock = clock
        self._next_try: float | None = None  # set while the store is down: when to try it again
        self._lock = threading.Lock()

    @property
    def store_down(self) -> bool:
        """Whether the last attempt to reach the shared store failed (each worker is counting alone)."""
        return self._next_try is not None

    def hit(self, client: str) -> Refusal | None:
        """Count one request from client: a Refusal once it is over the limit, None while it may go on."""
        if not self._try_store():
            return self._count(self._alone, client)
        try:
            refusal = self._count(self._store, client)
        except StorageError as exc:
            self._store_failed(exc)
            return self._count(self._alone, client)
        self._store_answered()
        return refusal

    def check(self) -> bool:
        """Whether the store answers right now (always true for memory)."""
        try:
            return bool(self._store.storage.check())
        except StorageError:
            return False

    def _count(self, limiter: MovingWindowRateLimiter, client: str) -> Refusal | None:
        for item in self.items:
            if not limiter.hit(item, NAMESPACE, client):
                reset_time = limiter.get_window_stats(item, NAMESPACE, client).reset_time
                return Refusal(limit=str(item), retry_after=max(1, math.ceil(reset_time - time.time())))
        return None

    def _try_store(self) -> bool:
        if self._next_try is None:
            return True
        with self._lock:  # one request at a time finds out whether the store is back
            if self._next_try is None or self._clock() < self._next_try:
                return self._next_try is None
            self._next_try = self._clock() + self._retry_store_seconds
            return True

    def _store_failed(self, exc: StorageError) -> None:
        with self._lock:
            first = self._next_try is None
            self._next_try = self._clock() + self._retry_store_seconds
        if first:
            logger.warning(
                "rate limit store %s is not answering (%s): this worker counts alone in memory until it does",
                describe_store(self.store_url),
                exc.storage_error,
            )

    def _store_answered(self) -> None:
        if self._next_try is None:
            return
        with self._lock:
            recovered, self._next_try = self._next_try is not None, None
        if recovered:
            logger.warning("rate limit store %s answers again", describe_store(self.store_url))
