"""symderiv: a symbolic derivation verifier for the mathematics of ML papers.

A proof file needs one import line::

    from symderiv import claim, readings, parts, sweep, pal2019_rnn, HV, kron, diag, product, total

The names are loaded on first use (PEP 562), so that ``symderiv --help`` and
loading the pytest plugin do not import SymPy and NumPy.
"""
from importlib import import_module

from .errors import SymderivError

__version__ = "0.1.0"

#: where each public name lives (imported when first asked for)
_WHERE = {
    **dict.fromkeys(("claim", "parts", "readings"), "claims"),
    **dict.fromkeys(("ABSTRACT", "IDENTITY", "LOGISTIC", "TANH"), "functions"),
    **dict.fromkeys(("Cell", "avram2025_rnn", "cell", "elman_rnn", "lstm_cell", "pal2019_generic_rnn",
                     "pal2019_rnn"), "cells"),
    "gru_cell": "cells",  # issue 14: the GRU of proofs/examples/gru.py
    "Model": "models",
    **dict.fromkeys(("HV", "T", "diag", "eye", "hadamard", "kron", "ones", "power", "product", "softmax", "total",
                     "vec", "zeros"), "notation"),
    **dict.fromkeys(("diagonals", "just", "matrices", "sampled", "scalars", "vectors"), "families"),
    "Verdict": "results",
    **dict.fromkeys(("absval", "affine", "assume", "det", "eq", "fro", "lam_max", "lam_min", "limit", "ne", "norm2",
                     "powers", "rel", "rho", "smin", "steps"), "relations"),
    **dict.fromkeys(("lift", "maximum", "minimum"), "relations"),  # issue 14: max/min in the scalar notation
    **dict.fromkeys(("no_sizes", "sweep"), "sizes"),
    "every_step": "induction",  # issue 12: a claim at every step k, proved downward for every T
    **dict.fromkeys(("inv", "logdet", "matrix", "scalar", "tr", "vector"), "variables"),
}


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'symderiv' has no attribute {name!r}")
    value = getattr(import_module(f".{where}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


__all__ = ["SymderivError", *_WHERE]
