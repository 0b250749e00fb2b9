"""Errors every layer may raise and the composition root turns into one line for the operator."""

from __future__ import annotations


class StartupError(Exception):
    """A problem the operator must fix before the gateway can run, phrased as one line."""


class IntakeClosed(Exception):
    """An update arrived while the adapter is shutting down: the platform should re-send it."""


class BadSetting(StartupError):
    """A setting's value is wrong (a token the platform rejects, a file that is not there): exit code 2."""


class NotStored(Exception):
    """An update could not be stored, so it must not be acknowledged: the adapter answers 503,
    leaves a Socket Mode envelope unacknowledged, keeps the polling offset, or backlogs it.

    `busy`: another replica is taking the same update in right now (Redis is fine); a
    re-delivery later finds it handled, or free again if that replica died.
    """

    def __init__(self, reason: str, *, busy: bool = False) -> None:
        super().__init__(reason)
        self.busy = busy
