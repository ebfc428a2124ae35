"""Retrieval methods that ``assistant eval --method NAME`` compares, all answering through the same composer.

- ``ours``: the product — hybrid dense + BM25 over structure-aware chunks (:class:`assistant.library.Library`).
- ``bm25`` / ``dense``: one side of the same index alone, to show what the fusion adds.
- ``langchain-default``: the usual tutorial set-up — ``RecursiveCharacterTextSplitter(1000, 200)``, MiniLM and
  ``langchain_chroma.Chroma.similarity_search`` — in its own index folder.

Every method answers with the same extractive composer over its own hits, so the answer metrics compare retrieval.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.documents import Document

from assistant.answer import Answer, Composer
from assistant.errors import AssistantError
from assistant.lexical import LexicalIndex
from assistant.retrieval import Hit

if TYPE_CHECKING:
    from assistant.library import Library
    from assistant.settings import Settings

METHODS = ("ours", "bm25", "dense", "langchain-default")
# The tutorial numbers: the splitter defaults most LangChain RAG guides use.
TUTORIAL_CHUNK = 1000
TUTORIAL_OVERLAP = 200
TUTORIAL_COLLECTION = "langchain"


class SingleSideLibrary:
    """``bm25`` or ``dense`` alone over the product index: its hits, answered by the product composer."""

    def __init__(self, library: Library, side: str) -> None:
        self.library = library
        self.side = side

    def search(self, query: str, k: int = 10, docs: list[str] | None = None) -> list[Hit]:
        return self._search(query, k, docs)[0]

    def _search(self, query: str, k: int, docs: list[str] | None) -> tuple[list[Hit], object]:
        searcher = self.library.searcher
        query_vec = self.library.embedder.encode_query(query)
        n = max(k, self.library.settings.candidates)
        scores = searcher.dense(query_vec, n, docs) if self.side == "dense" else searcher.lexical(query, n, docs)
        best = list(scores)[:k]  # both come best first
        dense = dict(scores) if self.side == "dense" else {}
        searcher.fill_dense(best, dense, query_vec)
        bm25 = scores if self.side == "bm25" else {}
        hits = [Hit(self.library.store.chunk(cid), scores[cid], dense.get(cid), bm25.get(cid)) for cid in best]
        return hits, query_vec

    def ask(self, question: str, docs: list[str] | None = None) -> tuple[Answer, list[Hit]]:
        hits, query_vec = self._search(question, max(10, self.library.settings.top_k), docs)
        return self.library.composer.compose(question, hits, query_vec), hits


class LangChainDefault:
    """RecursiveCharacterTextSplitter(1000, 200) + MiniLM + Chroma similarity search, as LangChain tutorials set up."""

    def __init__(self, settings: Settings, index_dir: Path) -> None:
        from langchain_chroma import Chroma

        from assistant.embeddings import get_embedder
        from assistant.store import chroma_client

        self.settings = settings.model_copy(update={"index_dir": index_dir, "chroma_url": None})
        self.embedder = get_embedder("minilm")
        index_dir.mkdir(parents=True, exist_ok=True)
        self.client = chroma_client(self.settings)
        self.vectorstore = Chroma(
            client=self.client,
            collection_name=TUTORIAL_COLLECTION,
            embedding_function=self.embedder,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self.composer = Composer(self.embedder, self._lexical(), self.settings)

    def ingest(self, folder: Path) -> None:
        """Split and embed every file once; the folder is keyed on the corpus, so a second run reuses it."""
        if self.vectorstore._collection.count():
            return
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.documents import iter_files, load_document

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=TUTORIAL_CHUNK, chunk_overlap=TUTORIAL_OVERLAP, add_start_index=True
        )
        chunks: list[Document] = []
        for path in iter_files([folder]):
            doc = load_document(path)
            for i, piece in enumerate(splitter.split_documents([doc])):
                start = piece.metadata["start_index"]
                piece.metadata = {"doc": doc.metadata["doc"], "title": doc.metadata["title"], "section": "",
                                  "start": start, "end": start + len(piece.page_content),
                                  "chunk_id": f"{doc.metadata['doc']}#{i}"}
                chunks.append(piece)
        batch = 2048  # Chroma caps one add at a few thousand records
        for at in range(0, len(chunks), batch):
            part = chunks[at : at + batch]
            self.vectorstore.add_documents(part, ids=[c.metadata["chunk_id"] for c in part])
        self.composer.lexical = self._lexical()

    def _lexical(self) -> LexicalIndex:
        """IDF statistics for the composer's term coverage (the retrieval itself stays dense-only)."""
        got = self.vectorstore._collection.get(include=["documents"])
        return LexicalIndex.build(got["ids"], got["documents"])

    def search(self, query: str, k: int = 10, docs: list[str] | None = None) -> list[Hit]:
        where = {"doc": {"$in": docs}} if docs else None
        found = self.vectorstore.similarity_search_with_score(query, k=k, filter=where)
        # Chroma's cosine space returns a distance; 1 - distance is the cosine the composer expects.
        return [Hit(doc, 1.0 - dist, 1.0 - dist, None) for doc, dist in found]

    def ask(self, question: str, docs: list[str] | None = None) -> tuple[Answer, list[Hit]]:
        hits = self.search(question, max(10, self.settings.top_k), docs)
        return self.composer.compose(question, hits, self.embedder.encode_query(question)), hits


def langchain_index_dir(settings: Settings, docs_dir: Path) -> Path:
    """The tutorial index of one corpus: its own folder, keyed on the corpus path only (its settings are fixed)."""
    resolved = Path(docs_dir).resolve()
    digest = hashlib.sha256(json.dumps({"path": str(resolved)}).encode()).hexdigest()[:10]
    return Path(settings.eval_dir) / f"langchain-{resolved.name}-{digest}"


def open_method(name: str, settings: Settings, docs_dir: Path, index_dir: Path, progress: bool = False):  # noqa: ANN201
    """The object ``evaluate``/``evaluate_beir`` ask: something with ``ask`` and ``search``, its corpus indexed."""
    if name not in METHODS:
        raise AssistantError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}")
    if name == "langchain-default":
        method = LangChainDefault(settings, langchain_index_dir(settings, docs_dir))
        method.ingest(Path(docs_dir))
        return method
    from assistant.library import Library  # heavy (models, Chroma): imported only when an eval really runs

    library = Library(settings.model_copy(update={"index_dir": index_dir, "chroma_url": None}))
    library.ingest([Path(docs_dir)], progress=progress)
    return library if name == "ours" else SingleSideLibrary(library, name)
