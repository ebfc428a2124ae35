"""Who may use the page, and as what: the users file of password sign-in, and the roles.

The file holds names, roles and bcrypt hashes (salted, slow on purpose), never a password. It is written by
`assistant users add/remove` and only read by the page. Written to a temporary file and renamed, so a page reading it
never sees half a file; created readable by its owner only.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from assistant.errors import AssistantError

READER, EDITOR = "reader", "editor"
ROLES = (READER, EDITOR)
# A name is shown on the page and written to the audit trail: letters, digits and . _ @ - only, so it never needs
# escaping and cannot pose as another field.
NAME = re.compile(r"^[\w.@-]{1,64}$")
# bcrypt ignores what follows the 72nd byte: a longer password would be accepted by its first 72 bytes alone.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_CHARS = 8
# Guessing passwords through the sign-in form: after this many failed sign-ins for one name within the window, that
# name is refused until the oldest failure is older than the window, even with the right password. 5 in 15 minutes
# leaves a person who mistypes room to retry and an attacker 480 guesses a day per name; bcrypt's cost alone
# (~0.2 s a check) would allow hundreds of thousands.
MAX_FAILED_SIGN_INS = 5
SIGN_IN_WINDOW_S = 15 * 60
MAX_NAMES_TRACKED = 10_000  # above this many names with failures, those whose window has passed are dropped


@dataclass(frozen=True)
class User:
    name: str
    role: str  # READER or EDITOR
    via: str = "password"  # password, oidc, or none (no sign-in configured: everyone is an anonymous editor)

    @property
    def can_edit(self) -> bool:
        return self.role == EDITOR


ANONYMOUS = User("anonymous", EDITOR, "none")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AssistantError(f"the password is shorter than {MIN_PASSWORD_CHARS} characters")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise AssistantError(f"the password is longer than {MAX_PASSWORD_BYTES} bytes (bcrypt would ignore the rest)")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


class UsersFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return dict(data["users"])
        except (ValueError, KeyError, TypeError) as error:
            raise AssistantError(f"{self.path}: not a users file ({error})") from None

    def _write(self, users: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"users": users}, handle, indent=1, sort_keys=True)
        os.replace(temporary, self.path)

    def add(self, name: str, role: str, password: str) -> bool:
        """Add the user, or set a new role and password for an existing one; True when the user is new."""
        if not NAME.match(name):
            raise AssistantError(f"{name!r}: a user name is 1-64 letters, digits, '.', '_', '@' or '-'")
        if role not in ROLES:
            raise AssistantError(f"{role!r}: the role is one of {', '.join(ROLES)}")
        users = self._read()
        new = name not in users
        users[name] = {"role": role, "hash": hash_password(password)}
        self._write(users)
        return new

    def remove(self, name: str) -> None:
        users = self._read()
        if name not in users:
            raise AssistantError(f"{name!r} is not in {self.path}")
        del users[name]
        self._write(users)

    def list(self) -> list[tuple[str, str]]:
        return sorted((name, entry["role"]) for name, entry in self._read().items())

    def current(self, user: User) -> User | None:
        """``user`` as the file has them now: a removed user is signed out, a changed role applies at once."""
        entry = self._read().get(user.name)
        return None if entry is None else User(user.name, entry["role"], "password")

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password is theirs, else None (an unknown name and a wrong password look the same)."""
        entry = self._read().get(name)
        encoded = password.encode()
        if entry is None or len(encoded) > MAX_PASSWORD_BYTES:
            return None
        if not bcrypt.checkpw(encoded, entry["hash"].encode()):
            return None
        return User(name, entry["role"], "password")


def oidc_user(email: str | None, name: str | None, editors: str) -> User:
    """An identity-provider user: an editor when their e-mail is listed in ``editors`` (comma-separated)."""
    listed = {e.strip().lower() for e in editors.split(",") if e.strip()}
    shown = email or name or "unknown"
    return User(shown, EDITOR if email and email.lower() in listed else READER, "oidc")


class SignInLimit:
    """Failed sign-ins per name, held by the server process for all its sessions (each runs in its own thread).
    An unknown name is counted like a known one, so the limit does not tell which names exist."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def attempt(self, name: str, verify: Callable[[], User | None]) -> tuple[User | None, str]:
        """The user ``verify`` finds, or None and the message to show."""
        with self.lock:
            now = self.clock()
            if len(self.failures) > MAX_NAMES_TRACKED:  # names made up by the thousand: forget the expired ones
                self.failures = {n: ts for n, ts in self.failures.items() if now - ts[-1] < SIGN_IN_WINDOW_S}
            recent = [t for t in self.failures.get(name, []) if now - t < SIGN_IN_WINDOW_S]
            if recent:
                self.failures[name] = recent
            else:
                self.failures.pop(name, None)
            if len(recent) >= MAX_FAILED_SIGN_INS:
                minutes = math.ceil((recent[0] + SIGN_IN_WINDOW_S - now) / 60)
                return None, f"Too many failed sign-ins for this name: try again in {minutes} min."
        user = verify()
        with self.lock:
            if user is None:
                self.failures.setdefault(name, []).append(self.clock())
                return None, "Unknown user name or wrong password."
            self.failures.pop(name, None)
        return user, ""


SIGN_INS = SignInLimit()  # the page's: one per server process (several servers each count their own)
