"""A counterexample at the size a claim fixes, found without a symbolic build (issue 21.4).

When an F_p trial disagrees at a size the exact engine cannot reach (a claim
fixed at n = 32, t = 64), the disagreement is certified at that very size: draw
an integer point, a witness σ (a cubic with small integer coefficients, when σ
is abstract; a witness loss likewise) and a prime p, evaluate both sides over
ℤ/p with the kernel's own modular forward mode (:mod:`symderiv.kernel.modular`),
and name the first entry whose residues differ. The kernel then replays the
certificate itself (``kernel.modular.verify_modular``): a residue of lhs − rhs
that is not 0 proves that the exact value is not 0. The modular route
covers polynomial claims (σ abstract or the identity; squared or abstract loss).

A claim it does not cover (σ = tanh or the logistic function, a cell's
tanh/logistic gates, exp, log, softmax, a cross-entropy loss) is refuted in
ball arithmetic instead (:mod:`symderiv.kernel.balls`): an exact rational point
(dyadic entries, scaled by 1/√n so the recursion neither explodes nor
saturates at once), the kernel's forward mode on arb balls at a working
precision raised (128, 256, … bits) until the ball of lhs − rhs excludes 0 at
some entry, or the sides agree to many bits at every entry (then the claim
likely holds at the point, and raising further would only cost time), or the
ceiling is reached. The kernel then recomputes the certificate at its stated
precision (``kernel.balls.verify_balls``). Where neither route applies this
finds nothing and the claim keeps the engine's other answers.
"""
from __future__ import annotations

import math
import random
from fractions import Fraction

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
    """(certificate, kernel verification) of a counterexample at ``size`` itself, or (None, why not): over ℤ/p
    where the claim is polynomial, else in arb balls."""
    from ..kernel import modular

    try:
        return _refute_modular(claim, size, seed=seed)
    except modular.Unsupported as e:
        cert, check = _refute_balls(claim, size, seed=seed)
        return (cert, check) if cert is not None else (None, f"{e}; in balls: {check}")


def _refute_modular(claim, size: dict, *, seed: int):
    """Over ℤ/p (raises kernel Unsupported where the claim has no value there)."""
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
        except modular.Unsupported:
            raise
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


#: the working precisions tried, in bits, lowest first (each a fresh run of the whole check)
BALL_PRECISIONS = (128, 256, 512, 1024, 2048)
#: points drawn before giving up
BALL_TRIES = 2
#: sides that agree to this many relative bits at every entry (their difference's ball containing 0) are taken as
#: equal at the point: raising the precision further would only cost time (a guess of the finder, never a verdict)
AGREE_BITS = 64
#: bits of a point entry's numerator: entries are k / 2^(NUMERATOR_BITS + s), |k| ≤ 2^NUMERATOR_BITS, exact in arb
NUMERATOR_BITS = 10


class _DyadicPoint(_Point):
    """Dyadic rationals of magnitude ≤ 2^−s, s = ⌈log₂ √max(n, m)⌉, drawn per entry when first read."""

    def __init__(self, rng: random.Random, size: dict):
        super().__init__(rng)
        self.shift = NUMERATOR_BITS + max(0, math.ceil(math.log2(max(size.get("n", 1), size.get("m", 1))) / 2))

    def __missing__(self, key):
        v = self[key] = Fraction(self.rng.randint(-2 ** NUMERATOR_BITS, 2 ** NUMERATOR_BITS), 2 ** self.shift)
        return v


def _agrees(a, b) -> bool:
    """Do two balls of the sides agree to AGREE_BITS relative bits (or are both exactly 0)?"""
    if a.is_zero() and b.is_zero():
        return True
    return min(a.rel_accuracy_bits(), b.rel_accuracy_bits()) >= AGREE_BITS


def _refute_balls(claim, size: dict, *, seed: int):
    """(certificate, kernel verification) of a counterexample at ``size`` in arb balls, or (None, why not)."""
    from ..kernel import balls
    from ..kernel.dual import KernelError

    rng = random.Random(f"balls:{seed}:{claim.id}:{sorted(size.items())}")
    why = "no draw disagreed"
    for attempt in range(BALL_TRIES):
        sigma, loss = _witnesses(claim, rng)
        if sigma is not None:  # σ(x) = x + a·x² − b·x³: the identity near 0, so a long recursion stays bounded;
            # then σ(x) = −x + a·x² + b·x³, as bounded, where σ(u) and u have opposite signs (a claim false only
            # there: |z + σ(z)| = |z| + |σ(z)|)
            flip = -1 if attempt % 2 else 1
            sigma = (0, flip, rng.randint(-1, 1), -flip * rng.randint(1, 2))
        point = _DyadicPoint(rng, size)
        for bits in BALL_PRECISIONS:
            try:
                lhs, rhs, model = balls.sides(claim, size, point, sigma, loss, bits)
            except balls.Unsupported as e:
                return None, str(e)
            except KernelError as e:  # a ball too wide to divide by or take the log of: more bits
                why = str(e)
                continue
            except (ZeroDivisionError, ValueError) as e:
                why = str(e)
                break  # another point
            except Exception as e:  # the check does not run on balls (it compares a value, say): no refutation
                return None, f"the check does not run in balls: {type(e).__name__}: {e}"
            with balls.precision(bits):
                a, b = lhs.val.entries(), rhs.val.entries()
                diffs = [x - y for x, y in zip(a, b)]
            bad = next((k for k, d in enumerate(diffs) if not d.is_nan() and not d.contains(0)), None)
            if bad is None:
                if all(_agrees(x, y) for x, y in zip(a, b)):
                    why = f"lhs − rhs contains 0 at every entry, the sides agreeing to ≥ {AGREE_BITS} bits"
                    break
                why = f"lhs − rhs contains 0 at every entry at {bits} bits"
                continue
            i, j = divmod(bad, lhs.cols)
            with balls.precision(bits):
                ls, rs = a[bad].str(20), b[bad].str(20)
            cert = Counterexample(claim.id, dict(size), sigma if model.f.used else None,
                                  {k: str(v) for k, v in point.items()}, (i, j), ls, rs,
                                  loss=loss if model.loss_used else None, precision=bits)
            check = balls.verify_balls(claim, cert)
            if check.ok:
                return cert, check
            why = check.reason
            break
    return None, why
