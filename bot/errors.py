"""What Kept says no with: a problem shown to the person as it is (its message is written for
them). Any layer may raise these; handlers turn them into a friendly answer."""

from __future__ import annotations


class KeptError(Exception):
    """A problem to show the user as it is: the message is written for them."""


class NotFound(KeptError):
    pass


class NotAllowed(KeptError):
    pass


class InvalidInput(KeptError):
    pass
