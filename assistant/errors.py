"""Named errors, each with a message written for the person who will read it."""


class AssistantError(Exception):
    """Base class: the message is shown to the user as it is."""


class BadDocument(AssistantError):
    """A file could not be read as a document; the rest of a batch goes on."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


class IndexMismatch(AssistantError):
    """The index on disk was built with settings that shape what it stores (the embedder, the chunk size, the
    context prefix) other than those in force; mixing old and new chunks would give nonsense."""


class SettingsError(AssistantError):
    """A setting that does not exist (a typo) or a value out of its range."""


class UnknownDocument(AssistantError):
    """A document name that is not in the index."""


class IndexUnreadable(AssistantError):
    """Chroma cannot load the vector index (HNSW files) of one of the index's collections. Nothing here can repair
    that; the index has to be built again."""
