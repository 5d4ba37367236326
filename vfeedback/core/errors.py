"""Errors that carry one sentence a clinician can read.

Every layer raises these for anything the user can cause (bad files, unknown ids, bad times); the CLI
prints the sentence and exits with the error's status, the GUI shows it in a dialog. Anything else is a
bug and is reported as such.
"""

from __future__ import annotations


class VfeedbackError(Exception):
    """A problem the user can understand and act on; ``str(err)`` is one plain sentence."""

    exit_status = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(VfeedbackError):
    """Input that cannot be used: unreadable media, a malformed time, a bad scheme file."""


class NotFound(VfeedbackError):
    """An id, code or case code that does not exist in the library."""


class Conflict(VfeedbackError):
    """The request clashes with what the library holds (a duplicate case code or import)."""


class LibraryError(VfeedbackError):
    """The library itself cannot be opened or used (newer version, locked, damaged)."""


class NothingToDo(VfeedbackError):
    """Undo with nothing to undo, redo with nothing to redo."""


class ConsentMissing(VfeedbackError):
    """The family has not given (or has withdrawn) consent for this purpose."""

    exit_status = 4
