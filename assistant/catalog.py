"""The catalog: one Chroma record per document, and one for the state of the index as a whole.

It lives in Chroma beside the chunks, so every process and every page server that opens the same Chroma (a folder
or a `chroma run` server) reads the same list of documents. A document's record is written after its chunks and
sentences, and names the content hash they carry: it is the moment the document becomes visible, whole.
The state record holds the settings that shaped the index and a token that every commit replaces, which is how
a reader learns that another process has changed the index.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from assistant.chroma import CHROMA_BATCH, PAGE

# The files of the layout before the catalog: read once to move their records into Chroma, then removed.
OLD_MANIFEST = "manifest.json"
OLD_CHUNKS = "chunks.json"
# The state record's id: document names are paths relative to an ingested folder and never start with ":".
STATE = ":index-state"
# Records here are looked up by id, never by similarity; Chroma still wants a vector, so each gets this one.
_NO_VECTOR = [1.0]


class Catalog:
    def __init__(self, client: Any, collection: str) -> None:
        self.records = client.get_or_create_collection(f"{collection}-documents", metadata={"hnsw:space": "l2"})

    def state(self) -> dict[str, Any]:
        """The index's settings and commit token; empty for an index never committed."""
        got = self.records.get(ids=[STATE], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else {}

    def token(self) -> str:
        return str(self.state().get("token", ""))

    def set_state(self, **fields: Any) -> str:
        """Record ``fields`` and a new commit token (returned): readers elsewhere see that the index changed."""
        state = {**self.state(), **fields, "token": uuid.uuid4().hex}
        self.records.upsert(ids=[STATE], embeddings=[_NO_VECTOR], metadatas=[state])
        return state["token"]

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every document's record (title, type, source, content hash, pages, chunks, chars, ingested_at)."""
        found: dict[str, dict[str, Any]] = {}
        for offset in range(0, self.records.count(), PAGE):
            got = self.records.get(include=["metadatas"], limit=PAGE, offset=offset)
            found.update((name, dict(meta)) for name, meta in zip(got["ids"], got["metadatas"]) if name != STATE)
        return found

    def text(self, name: str) -> str | None:
        """The document's whole text, read when asked for (a page shows one passage in its document)."""
        got = self.records.get(ids=[name], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def put(self, name: str, info: dict[str, Any], text: str) -> None:
        self.put_many({name: info}, [text])

    def put_many(self, records: dict[str, dict[str, Any]], texts: list[str]) -> None:
        """Write these documents' records (``texts`` in the same order), in batches Chroma accepts."""
        names = list(records)
        for at in range(0, len(names), CHROMA_BATCH):
            batch = names[at : at + CHROMA_BATCH]
            self.records.upsert(
                ids=batch,
                embeddings=[_NO_VECTOR] * len(batch),
                metadatas=[records[n] for n in batch],
                documents=texts[at : at + CHROMA_BATCH],
            )

    def delete(self, name: str) -> None:
        self.records.delete(ids=[name])


def adopt_json_layout(folder: Path, catalog: Catalog, layout_keys: tuple[str, ...]) -> None:
    """Move an index of the JSON layout (manifest.json beside Chroma) into the catalog; its chunks and vectors are
    in Chroma already. Nothing is lost if this is cut off: the JSON files go only after the catalog holds them."""
    old = folder / OLD_MANIFEST
    if not old.exists():
        return
    manifest = json.loads(old.read_text())
    if not catalog.state():
        for name, info in manifest.get("documents", {}).items():
            catalog.put(name, {k: v for k, v in info.items() if k != "text"}, info.get("text", ""))
        layout = {key: manifest[key] for key in layout_keys if key in manifest}
        catalog.set_state(**layout, sentence_vectors=manifest.get("sentence_vectors", False))
    for name in (OLD_MANIFEST, OLD_CHUNKS, "bm25_ids.json"):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder / "bm25", ignore_errors=True)  # the old BM25; it is derived again from the chunks
