"""symderiv: a symbolic derivation verifier for the mathematics of ML papers.

A proof file needs one import line::

    from symderiv import claim, readings, parts, sweep, pal2019_rnn, HV, kron, diag, product, total
"""
from .claims import claim, parts, readings
from .errors import SymderivError
from .functions import ABSTRACT, IDENTITY, LOGISTIC, TANH
from .cells import Cell, avram2025_rnn, cell, elman_rnn, lstm_cell, pal2019_generic_rnn, pal2019_rnn
from .models import Model
from .notation import HV, T, diag, eye, hadamard, kron, ones, power, product, softmax, total, vec, zeros
from .families import diagonals, just, matrices, sampled, scalars, vectors
from .results import Verdict
from .relations import (absval, affine, assume, det, eq, fro, lam_max, lam_min, limit, ne, norm2, powers, rel, rho,
                      smin, steps)
from .sizes import no_sizes, sweep

__version__ = "0.1.0"

__all__ = [
    "claim", "readings", "parts", "sweep", "no_sizes", "Verdict", "SymderivError",
    "Cell", "Model", "cell", "pal2019_rnn", "pal2019_generic_rnn", "elman_rnn", "avram2025_rnn", "lstm_cell",
    "HV", "T", "diag", "eye", "hadamard", "kron", "ones", "power", "product", "softmax", "total", "vec", "zeros",
    "ABSTRACT", "IDENTITY", "LOGISTIC", "TANH",
    "matrices", "vectors", "diagonals", "scalars", "sampled", "just",
    "norm2", "fro", "rho", "lam_min", "lam_max", "smin", "det", "absval", "eq", "ne", "rel", "steps", "assume",
    "limit", "powers", "affine",
]
