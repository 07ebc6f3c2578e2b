"""Errors that carry a message meant for the user (one line, no traceback)."""


class UserError(Exception):
    """Something the user can act on: a bad file, a missing model, a wrong option.

    The CLI prints it as one line and exits non-zero; the window shows it in a message.
    """


class JobCancelled(Exception):
    """Raised inside a job when the user has cancelled it."""
