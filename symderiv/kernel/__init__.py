"""The kernel: the small part of symderiv that decides whether evidence is accepted, for `holds` and `fails`.

Only the kernel makes the tokens a verdict needs (:mod:`.accept`: ``Proved``,
``Refuted``; the engine's ``holds``/``fails`` passes :func:`.accept.admit`). A
``holds`` rests on a statement the kernel derives from the claim itself: an
identity by its own randomized evaluation (:mod:`.random_check`), a relational
step by an SOS certificate checked against its own goal (:mod:`.goal`); what it
does not re-check, its token names as trusted.

Everything that finds evidence (normal forms, the counterexample search, the
F_p backend, symbolic differentiation) may be clever and may be wrong; a
``fails`` verdict stands only if this package re-derives it by its own
algorithm: the truth side by forward-mode differentiation of the cell's own
step function over exact numbers (:mod:`.model`, :mod:`.dual`), the claimed
side by running the proof's check on that exact model, and every decision by
exact rational arithmetic, certified root isolation or arb balls
(:mod:`.decide`). It imports none of symderiv's derivatives, identity (normal
forms), search, evaluate, engine, prove or fp modules: ``tests/test_kernel.py``
checks its imports against an allow-list. It trusts SymPy's exact arithmetic on numbers
and matrices of numbers, python-flint (arb, fmpq_poly), the proof file's own
check and cell, and the notation (``symderiv.notation``: the meaning of HV,
kron, product, ...).
"""
from __future__ import annotations

from .check import Verification, probe, unflatten, verify_identity, verify_relation
from . import accept, balls, free, modular, step
from .accept import Proved, Refuted, admit
from .goal import accept_step
from .random_check import confirm_identity, confirm_modulo
from .dual import DualMatrix, DualNotation, KernelError
from .model import ExactModel


def _register() -> None:
    from .. import notation

    notation.register_backend((DualMatrix,), DualNotation())
    notation.register_backend((modular.ModMat, modular.ModScalar), modular.ModNotation())
    notation.register_backend((balls.BallMat, balls.BallScalar), balls.BallNotation())
    free.register()


_register()

__all__ = ["Proved", "Refuted", "admit", "accept_step", "confirm_identity", "confirm_modulo", "Verification",
           "verify_identity", "verify_relation", "unflatten", "probe", "ExactModel", "KernelError"]
