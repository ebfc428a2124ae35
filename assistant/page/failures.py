"""Unexpected failures on the page: the user sees one short message with a reference; the server log gets the
traceback under the same reference, so an administrator can find it. Expected problems (a bad file, an unknown
document) keep their own plain message; this is for everything else (a full disk, a broken index, a bug).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from assistant.page.uploads import ActionResult

log = logging.getLogger("assistant.page")


def failure_message(action: str, error: BaseException) -> str:
    """Log ``error`` with its traceback under a fresh reference; the words to show the user instead."""
    reference = secrets.token_hex(4)  # 8 hex digits: unique enough to find one line in a day's log
    log.error("Page action failed: %s (reference %s)", action, reference, exc_info=error)
    return (f"Something went wrong while {action}. Nothing else was changed by it; try again, and if it happens "
            f"again give your administrator the reference {reference}.")


def guarded(action: str, run: Callable[[], ActionResult]) -> ActionResult:
    """``run()``'s result, or a failed result with a reference when it raises anything unexpected."""
    try:
        return run()
    except Exception as error:  # Streamlit's rerun/stop signals are not Exceptions and pass through
        return ActionResult(False, failure_message(action, error))
