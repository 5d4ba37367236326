"""Who is working on this computer: one name, shared by the app, the command line and the audit.

It lives in one small owner-only file in the user's configuration folder
(``<config>/vfeedback/identity.json``), written all or nothing through ``files``. The app asks for it
once, at its first start (offering the login name), and File › Your name… changes it; every library
this person opens reads it (``services.context.default_user``). ``$VFEEDBACK_CODER`` overrides it for
one session, as ``--coder`` does for one moment.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
from pathlib import Path

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput
from vfeedback.system.files import private_folder, write_private, write_sentence

ENV_CODER = "VFEEDBACK_CODER"
FILE_NAME = "identity.json"
MAX_BYTES = 4096  # a name and a little JSON; anything bigger is not ours


def identity_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("vfeedback", appauthor=False) / FILE_NAME


def login_name() -> str:
    """The operating system's name for this user ("unknown" when it has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def env_name() -> str | None:
    """``$VFEEDBACK_CODER``, when set to something."""
    name = os.environ.get(ENV_CODER, "").strip()
    return name or None


def saved_name() -> str | None:
    """The name saved on this computer, or None when there is none yet (or the file is not one we
    wrote: then the app asks again rather than failing to start)."""
    path = identity_path()
    try:
        with path.open("rb") as fh:
            data = json.loads(fh.read(MAX_BYTES) or b"null")
        name = data.get("name") if isinstance(data, dict) else None
        if not isinstance(name, str):
            return None
        return texts.clean(name, texts.PERSON, "name") or None
    except (OSError, ValueError, BadInput):
        return None


def current_name() -> str:
    """Who is working: ``$VFEEDBACK_CODER``, else the saved name, else the login name."""
    return env_name() or saved_name() or login_name()


def needs_asking() -> bool:
    """True until a name is saved (and the environment does not give one)."""
    return env_name() is None and saved_name() is None


def save_name(name: str) -> str:
    """Save ``name`` (cleaned) as who works on this computer and return it; one sentence on failure."""
    cleaned = texts.clean(name, texts.PERSON, "name")
    if not cleaned:
        raise BadInput("Give a name (initials are fine).")
    path = identity_path()
    try:
        private_folder(path.parent)
        write_private(path, json.dumps({"name": cleaned}, ensure_ascii=False).encode() + b"\n")
    except OSError as exc:
        sentence = write_sentence(exc, f"your name ({texts.quoted_name(path)})")
        raise BadInput(sentence[0].upper() + sentence[1:]) from exc
    return cleaned


def forget() -> None:
    """Remove the saved name (the next start asks again)."""
    with contextlib.suppress(FileNotFoundError):
        identity_path().unlink()
