"""A counterexample at the size a claim fixes, found without a symbolic build (issue 21.4).

When an F_p trial disagrees at a size the exact engine cannot reach (a claim
fixed at n = 32, t = 64), the disagreement is certified at that very size: draw
an integer point, a witness σ (a cubic with small integer coefficients, when σ
is abstract; a witness loss likewise) and a prime p, evaluate both sides over
ℤ/p with the kernel's own modular forward mode (:mod:`symderiv.kernel.modular`),
and name the first entry whose residues differ. The kernel then replays the
certificate itself (``kernel.modular.verify_modular``): a residue of lhs − rhs
that is not 0 proves that the exact value is not 0. Polynomial claims only
(σ abstract or the identity; squared or abstract loss); for anything else this
finds nothing and the claim keeps the engine's other answers.
"""
from __future__ import annotations

import random

import numpy as np

from ..certificates import Counterexample
from .field import random_prime

#: draws of (point, witness, prime) before giving up
TRIES = 3
#: point entries are uniform integers in [0, SPAN): a false identity of degree D in them vanishes at a draw with
#: probability ≤ D / SPAN (Schwartz–Zippel), and a residue 0 of a nonzero value needs p | it
SPAN = 2 ** 20


def _witnesses(claim, rng: random.Random):
    sigma = loss = None
    if claim.model is not None and claim.activation == "abstract":
        sigma = tuple([rng.randint(-3, 3), rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 3)])
    model = claim.model
    if model is not None and model.output is not None and model.loss is None and claim.loss in (None, "abstract"):
        loss = tuple([0, rng.randint(-3, 3), rng.randint(1, 5), rng.randint(1, 3)])
    return sigma, loss


class _Point(dict):
    """Every entry the check reads gets a fresh draw the first time (recorded: the certificate's point)."""

    def __init__(self, rng: random.Random):
        super().__init__()
        self.rng = rng

    def __contains__(self, key):
        return True

    def __missing__(self, key):
        v = self[key] = self.rng.randrange(SPAN)
        return v


def refute_at(claim, size: dict, *, seed: int = 0):
    """(certificate, kernel verification) of a counterexample at ``size`` itself, or (None, why not)."""
    from ..kernel import modular
    from ..kernel.dual import KernelError

    rng = random.Random(f"modular:{seed}:{claim.id}:{sorted(size.items())}")
    nrng = np.random.default_rng(rng.getrandbits(64))
    why = "no draw disagreed"
    for _ in range(TRIES):
        p = random_prime(nrng)
        sigma, loss = _witnesses(claim, rng)
        point = _Point(rng)
        try:
            lhs, rhs = modular.sides(claim, size, point, sigma, loss, p)
        except modular.Unsupported as e:
            return None, str(e)
        except (KernelError, ZeroDivisionError, ValueError) as e:
            why = str(e)
            continue
        a, b = lhs.val.entries(), rhs.val.entries()
        bad = next((k for k, (x, y) in enumerate(zip(a, b)) if int(x) != int(y)), None)
        if bad is None:
            continue
        i, j = divmod(bad, lhs.cols)
        cert = Counterexample(claim.id, dict(size), sigma, {k: str(v) for k, v in point.items()}, (i, j),
                              f"≡ {int(a[bad])} (mod {p})", f"≡ {int(b[bad])} (mod {p})", loss=loss, modulus=p)
        check = modular.verify_modular(claim, cert)
        if check.ok:
            return cert, check
        why = check.reason
    return None, why
