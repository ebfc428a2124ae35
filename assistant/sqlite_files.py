"""The small SQLite files beside the index (feedback, the audit trail): one way to open them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def connect(path: Path, setup: Callable[[sqlite3.Connection], None]) -> Iterator[sqlite3.Connection]:
    """A connection per call (Streamlit runs each session's script on its own thread): ``setup`` creates or
    upgrades the schema, the transaction commits on success and rolls back on error, and the file is always
    closed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        with connection:  # the transaction
            setup(connection)
            yield connection
    finally:
        connection.close()
