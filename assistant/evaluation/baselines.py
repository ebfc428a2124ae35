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

from assistant.answer import Answer
from assistant.compose import Composer
from assistant.errors import AssistantError
from assistant.lexical import LexicalIndex
from assistant.library import MIN_HITS, Library
from assistant.retrieval import Hit, SearchResult, Side

if TYPE_CHECKING:
    from assistant.settings import Settings

METHODS = ("ours", "bm25", "dense", "langchain-default")
# The tutorial numbers: the splitter defaults most LangChain RAG guides use.
TUTORIAL_CHUNK = 1000
TUTORIAL_OVERLAP = 200
TUTORIAL_COLLECTION = "langchain"


class SingleSide:
    """``bm25`` or ``dense`` alone over the product index: its hits, answered by the product composer."""

    def __init__(self, library: Library, side: Side) -> None:
        self.library = library
        self.side = side

    def search(self, query: str, k: int = 10, docs: list[str] | None = None) -> SearchResult:
        return self.library.search(query, k, docs, side=self.side)

    def ask(self, question: str, docs: list[str] | None = None) -> Answer:
        return self.library.ask(question, docs, side=self.side)


class LangChainDefault:
    """RecursiveCharacterTextSplitter(1000, 200) + MiniLM + Chroma similarity search, as LangChain tutorials set up."""

    def __init__(self, settings: Settings, index_dir: Path) -> None:
        from langchain_chroma import Chroma

        from assistant.chroma import chroma_client
        from assistant.embeddings import get_embedder

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
        self._texts: dict[str, str] = {}
        self.composer = Composer(self.embedder, self._lexical(), self.settings, learned=False,
                                 document_text=self._texts.get)

    def ingest(self, folder: Path) -> None:
        """Split and embed every file once; the folder is keyed on the corpus, so a second run reuses it."""
        if self.vectorstore.get(limit=1, include=[])["ids"]:
            return
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.documents import iter_files, load_document

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=TUTORIAL_CHUNK, chunk_overlap=TUTORIAL_OVERLAP, add_start_index=True
        )
        chunks: list[Document] = []
        for path, name in iter_files([folder]):
            doc = load_document(path, name)
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
        self.composer.stats = self._lexical()

    def _lexical(self) -> LexicalIndex:
        """IDF statistics for the composer's term coverage (the retrieval itself stays dense-only)."""
        got = self.vectorstore.get(include=["documents", "metadatas"])
        # A document's chunks, joined, stand for its text (the subject rule asks which names a document holds).
        self._texts.clear()
        for text, meta in zip(got["documents"], got["metadatas"]):
            self._texts[meta["doc"]] = f"{self._texts.get(meta['doc'], '')}\n{text}"
        return LexicalIndex.build(got["ids"], got["documents"])

    def search(self, query: str, k: int = 10, docs: list[str] | None = None) -> SearchResult:
        where = {"doc": {"$in": docs}} if docs else None
        query_vec = self.embedder.encode_query(query)
        found = self.vectorstore.similarity_search_by_vector_with_relevance_scores(
            query_vec.tolist(), k=k, filter=where
        )
        # Despite its name this returns Chroma's distance; in the cosine space 1 - distance is the cosine.
        return SearchResult(query, [Hit(doc, 1.0 - dist, 1.0 - dist, None) for doc, dist in found], query_vec)

    def ask(self, question: str, docs: list[str] | None = None) -> Answer:
        return self.composer.compose(question, self.search(question, max(MIN_HITS, self.settings.top_k), docs))


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
    library = Library(settings.model_copy(update={"index_dir": index_dir, "chroma_url": None}))
    library.ingest([Path(docs_dir)], progress=progress)
    return library if name == "ours" else SingleSide(library, name)
