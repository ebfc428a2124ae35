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
    """The index on disk was built with other settings than those in force (another embedder, or without
    sentence vectors); mixing them would give nonsense."""


class UnknownDocument(AssistantError):
    """A document name that is not in the index."""
