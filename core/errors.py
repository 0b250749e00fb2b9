"""Errors every layer may raise and the composition root turns into one line for the operator."""

from __future__ import annotations


class StartupError(Exception):
    """A problem the operator must fix before the gateway can run, phrased as one line."""


class IntakeClosed(Exception):
    """An update arrived while the adapter is shutting down: the platform should re-send it."""


class BadSetting(StartupError):
    """A setting's value is wrong (a token the platform rejects, a file that is not there): exit code 2."""
