"""How the index talks to Chroma: the client for a folder or a `chroma run` server, and reads in pages.

Chroma caps what one call may carry (batches, SQLite variables), so writes and full reads go through these.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import chromadb
import chromadb.errors
import numpy as np
from chromadb.config import Settings as ChromaSettings

from assistant.errors import IndexUnreadable
from assistant.settings import Settings

# Chroma refuses batches above its max_batch_size (~5,000 on SQLite); a long document has more sentences than that.
CHROMA_BATCH = 4000
PAGE = 5000  # records read from Chroma per call (SQLite caps the variables of one query)
PAGE_DOCS = 100  # documents named in one `$in` filter when re-reading the changed ones
# How widely Chroma's HNSW search looks (its default is 100). At 100 a query missed 1-2 of the exact 50 nearest
# chunks of the exec-orders index (2,404 chunks), and which ones changed from process to process: two runs of one
# eval over one index differed in a question's top 5 (docs/evaluation.md, "Two runs, one index"). At 500, over 100
# ObliQA questions, every chunk neighbour was exact and the sentence search found 0.998 of the exact ones (0.98 at
# 100), for 1.6 ms more a question (benchmarks/search_ef.py, docs/benchmarks.md).
SEARCH_EF = 500


def chroma_client(settings: Settings, generation: int = 0) -> chromadb.ClientAPI:
    """A persistent client under the index folder, or an HTTP client when a `chroma run` server is configured.

    A persistent client keeps its vector index in memory and never sees another process's writes (measured:
    after another process added and deleted vectors, this one's queries still returned the deleted ones, however
    often the collection was fetched again). Chroma shares one client per path string within a process, so a
    later ``generation`` opens the same folder under an equal path ("chroma/./.") to read it afresh.
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(host=url.hostname, port=url.port or 8000, settings=chroma_settings)
    path = os.path.join(settings.index_dir / "chroma", *["."] * generation)
    return chromadb.PersistentClient(path=path, settings=chroma_settings)


def vector_collection(client: chromadb.ClientAPI, name: str, embedder: str) -> Any:
    """The cosine collection ``name`` of vectors made by ``embedder``, created when missing, searched at SEARCH_EF.

    ef_search is set apart from creation: given with the metadata, Chroma drops the metadata's cosine space."""
    collection = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine", "embedder": embedder})
    if (collection.configuration.get("hnsw") or {}).get("ef_search") != SEARCH_EF:
        collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
    return collection


def all_ids(collection: Any, with_owner: bool = False) -> Any:
    """Every id of a collection (with ``with_owner``: ids and their ``chunk_id`` metadata), read in pages."""
    ids: list[str] = []
    owners: list[str] = []
    for offset in range(0, collection.count(), PAGE):
        got = collection.get(include=["metadatas"] if with_owner else [], limit=PAGE, offset=offset)
        ids += got["ids"]
        if with_owner:
            owners += [meta["chunk_id"] for meta in got["metadatas"]]
    return (ids, owners) if with_owner else ids


def read_records(collection: Any, docs: list[str] | None) -> Iterator[tuple[str, str, dict]]:
    """(id, text, metadata) of every record of ``docs`` (of all when None), read in pages."""
    wheres = [None] if docs is None else [{"doc": {"$in": docs[at : at + PAGE_DOCS]}}
                                          for at in range(0, len(docs), PAGE_DOCS)]  # fmt: skip
    for where in wheres:
        for offset in range(0, collection.count(), PAGE):
            got = collection.get(where=where, include=["documents", "metadatas"], limit=PAGE, offset=offset)
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            if len(got["ids"]) < PAGE:
                break


def query(collection: Any, query_vec: np.ndarray, n: int, docs: list[str] | None, include: list[str]) -> dict:
    """The n nearest records (of ``docs`` when given) of one collection, as flat lists."""
    try:
        count = collection.count()
        if not count:
            return {"ids": [], "distances": [], **{key: [] for key in include}}
        where = {"doc": {"$in": docs}} if docs else None
        got = collection.query(
            query_embeddings=[query_vec], n_results=min(n, count), where=where, include=["distances", *include]
        )
    except chromadb.errors.InternalError as error:
        if "hnsw" not in str(error).lower():
            raise
        # Seen with Chroma 1.5.9 on a collection of 487,074 sentence vectors (docs/benchmarks.md, 100k row), and
        # reported upstream for collections of that size (chroma-core/chroma #5925, #7090); a damaged HNSW file
        # gives the same. Every question would fail with Chroma's traceback; say what it means instead.
        raise IndexUnreadable(
            f"Chroma cannot load the vectors of collection {collection.name!r} ({str(error).split(': ')[-1]}). "
            "The index cannot be repaired in place: build it again (delete the index folder, or `make "
            "clean-index`, and ingest the documents again)."
        ) from error
    return {key: got[key][0] for key in ("ids", "distances", *include)}
