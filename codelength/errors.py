"""Exceptions raised by codelength."""


class CodelengthError(Exception):
    """Base class of the errors this package raises on its own account."""


class CorruptDataError(CodelengthError, ValueError):
    """A compressed stream is truncated, corrupted or not a codelength stream.

    Every decoder raises this (and only this) for bad input, whatever part of the stream is damaged.
    It subclasses ValueError so that ``except ValueError`` also catches it.
    """


class OutputLimitError(CorruptDataError):
    """A stream would decode to more than the caller's limit (``max_output``); raised before the output
    is allocated. A subclass of CorruptDataError: to a caller with a limit, such a stream is as unusable."""
