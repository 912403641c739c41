"""Chroma client factory (the embedded store in the data directory, or a Chroma server), and the link that
answers questions through it: every call bounded, failing at once while the server is known to be down."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings

from plan_assistant.schemas import Chunk, Sentence

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from plan_assistant.config import Settings

SENTENCES_SUFFIX = "_sentences"
QUESTIONS_SUFFIX = "_questions"
RETRY_INTERVAL = 1.0  # seconds a link known to be down fails at once before one call tries the server again
# What chromadb's HTTP client raises when the server is stopped, frozen or cut off: refused or dropped
# connections and timeouts. Errors the server reports (a missing collection...) are not an outage.
UNREACHABLE: tuple[type[Exception], ...] = (httpx.TransportError,)

logger = logging.getLogger(__name__)
T = TypeVar("T")


class StoreUnavailableError(RuntimeError):
    """The Chroma server refused the connection, dropped it, or did not answer in time."""


def make_client(settings: Settings, timeout: float | None = None) -> ClientAPI:
    """A Chroma client: HttpClient when a server is configured, else a PersistentClient in data_dir.

    Args:
        timeout: seconds each HTTP call to a server may wait for it; None waits as long as it takes (the
            ingest's large writes, and loading an index generation).
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        client = chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
        if timeout is not None:
            _bound_http_calls(client, timeout)
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def _bound_http_calls(client: ClientAPI, timeout: float) -> None:
    # chromadb (1.5) builds its HTTP session with timeout=None and has no client setting for one, so a server
    # that accepts connections and never answers (frozen, overloaded) would hold a question forever.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        raise RuntimeError(
            f"cannot bound calls to the Chroma server: chromadb {chromadb.__version__} no longer keeps its "
            "httpx session at client._server._session; update plan_assistant.store._bound_http_calls"
        )
    session.timeout = httpx.Timeout(timeout)


def store_address(settings: Settings) -> str:
    """Where the index lives, for log lines: the server's host:port or the embedded store's folder."""
    if settings.chroma_host:
        return f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
    return f"embedded Chroma store {settings.chroma_dir}"


class StoreLink:
    """The client questions are answered through, and whether its server answers, learnt from the calls.

    When a call fails because the server cannot be reached, calls fail at once (no request waits on a
    server known to be down) until ``retry_interval`` has passed; then one call tries the server again and
    its success restores the link. Errors that are not about reaching the server pass through untouched.
    """

    def __init__(
        self,
        client: ClientAPI,
        where: str,
        retry_interval: float = RETRY_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.where = where
        self.retry_interval = retry_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._failed_at: float | None = None  # when the last call found the server unreachable
        self._down_since = 0.0  # when the first call of this outage did
        self._cause = ""
        self._trying = False  # one call is trying a server that was down

    @property
    def reachable(self) -> bool:
        """False from a call that could not reach the server until a later call does."""
        return self._failed_at is None

    def call(self, fn: Callable[[], T]) -> T:
        """Run one call to the server, or raise StoreUnavailableError without calling while it is down."""
        trial = self._admit()
        try:
            result = fn()
        except UNREACHABLE as exc:
            cause = f"{type(exc).__name__}: {exc}".rstrip(": ")
            self._failed(cause)
            raise StoreUnavailableError(f"{self.where} unreachable ({cause})") from exc
        except BaseException:
            if trial:
                with self._lock:
                    self._trying = False
            raise
        self._answered()
        return result

    def check(self) -> bool:
        """Whether the server answers a heartbeat now (without asking while it is known to be down)."""
        try:
            self.call(self.client.heartbeat)
        except StoreUnavailableError:
            return False
        return True

    def collection(self, name: str) -> LinkedCollection:
        """The named collection, its calls made through this link."""
        return LinkedCollection(self.call(lambda: self.client.get_collection(name)), self)

    def _admit(self) -> bool:
        with self._lock:
            if self._failed_at is None:
                return False
            if self._trying or self._clock() - self._failed_at < self.retry_interval:
                raise StoreUnavailableError(f"{self.where} unreachable ({self._cause}); retrying shortly")
            self._trying = True
            return True

    def _failed(self, cause: str) -> None:
        with self._lock:
            first = self._failed_at is None
            self._failed_at, self._cause, self._trying = self._clock(), cause, False
            if first:
                self._down_since = self._failed_at
        if first:
            logger.error("%s unreachable (%s): questions get 503 until it answers again", self.where, cause)

    def _answered(self) -> None:
        with self._lock:
            failed_at, self._failed_at, self._trying = self._failed_at, None, False
        if failed_at is not None:
            logger.warning(
                "%s answers again, %.1f s after the first call that failed",
                self.where,
                self._clock() - self._down_since,
            )


class LinkedCollection:
    """A Chroma collection whose calls go through a StoreLink."""

    def __init__(self, collection: Collection, link: StoreLink) -> None:
        self._collection = collection
        self.link = link

    @property
    def name(self) -> str:
        """The collection's name."""
        return self._collection.name

    def query(self, **kwargs: Any) -> Any:
        """``Collection.query``, through the link."""
        return self.link.call(lambda: self._collection.query(**kwargs))

    def get(self, **kwargs: Any) -> Any:
        """``Collection.get``, through the link."""
        return self.link.call(lambda: self._collection.get(**kwargs))

    def count(self) -> int:
        """``Collection.count``, through the link."""
        return self.link.call(self._collection.count)


def sentences_collection_name(settings: Settings) -> str:
    """The collection holding one embedding per chunk sentence, for the extractive generator."""
    return settings.collection + SENTENCES_SUFFIX


def questions_collection_name(settings: Settings) -> str:
    """The collection holding one embedding per question a chunk sentence answers (from corpus/derived/)."""
    return settings.collection + QUESTIONS_SUFFIX


def chunk_metadata(chunk: Chunk) -> dict[str, str | int | float | bool]:
    """A chunk's fields as Chroma metadata (no None values; sentences as JSON)."""
    data = chunk.model_dump(exclude={"id", "text", "sentences"}, exclude_none=True)
    data["sentences"] = json.dumps([s.model_dump() for s in chunk.sentences], ensure_ascii=False)
    return data


def chunk_from_record(chunk_id: str, text: str, metadata: Mapping[str, Any]) -> Chunk:
    """Rebuild a Chunk from what Chroma returns."""
    fields = dict(metadata)
    sentences = [Sentence(**s) for s in json.loads(str(fields.pop("sentences", "[]")))]
    return Chunk(id=chunk_id, text=text, sentences=sentences, **fields)
