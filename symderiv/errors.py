"""One exception root: everything symderiv raises on purpose is a SymderivError.

The CLI turns these into a one-line message and an exit code; the engine turns
them into an ``error`` verdict for the one claim they concern.
"""


class SymderivError(Exception):
    """Root of every error symderiv raises on purpose."""


class UsageError(SymderivError):
    """The command line asked for something that does not exist or is malformed."""


class ProofFileError(SymderivError):
    """A proof file could not be imported or declares something invalid."""


class SizeError(SymderivError):
    """A size (n, t, ...) that is not a positive integer."""


class ShapeError(SymderivError):
    """The two sides of a claim have different shapes."""
