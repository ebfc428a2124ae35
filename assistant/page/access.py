"""Who may see the page: the address check at start-up and the role check every page action repeats."""

from __future__ import annotations

import ipaddress

from assistant.settings import Settings
from assistant.users import User


def is_loopback(address: str | None) -> bool:
    """Only this machine can connect. Unset or empty means Streamlit listens on every interface (0.0.0.0, its
    default in starlette_server_config.py): not loopback. A unix:// socket is reachable from this machine only."""
    if not address:
        return False
    if address.lower() == "localhost" or address.startswith("unix://"):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def open_address_refusal(address: str | None, settings: Settings) -> str | None:
    """Why the page must not serve on ``address`` with these settings, or None when it may."""
    if settings.auth != "none" or settings.allow_anonymous_network or is_loopback(address):
        return None
    where = f"address {address}" if address else "every network interface (server.address is unset)"
    return (f"Refusing to serve: the page listens on {where} and ASSISTANT_AUTH is none, so anyone who can reach "
            "it could read, upload and delete documents. Set ASSISTANT_AUTH=password (users from `assistant users "
            "add`) or oidc, serve on 127.0.0.1 (`--server.address 127.0.0.1`), or, to allow it deliberately, set "
            "ASSISTANT_ALLOW_ANONYMOUS_NETWORK=true.")


def editor_refusal(user: User | None, action: str) -> str | None:
    """Why ``user`` may not perform ``action`` (upload, re-index, delete), or None when they may."""
    if user is None:
        return f"Sign in to {action}."
    if not user.can_edit:
        return f"{user.name} is a reader: only editors may {action}."
    return None
