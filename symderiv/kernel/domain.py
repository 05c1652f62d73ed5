"""A point where the sides have a value: what keeps a `holds` beyond the kernel's exact reach from being vacuous.

What the ℤ/p re-check proves, and about which points. Beyond its exact model's reach the kernel confirms a model's
identity over ℤ/p (random_check._modular, modular.py): σ, exp, log, tanh, the logistic function, sin, cos and the
roots s ↦ s^r are random functions, a fresh value at each formally distinct argument, which keep only their
differential equations. A passing trial shows (but for the error the token states) that lhs − rhs is 0 as a rational
function Δ of the inputs and of those values. The claim's real sides are the same straight-line program with the
true functions' values substituted: at a real point where every operation the check performs has a value (each
log's and each non-integer power's argument > 0, each divisor ≠ 0), the substitution is one assignment of the
variables at which every denominator the program divides by is nonzero, so the program computes Δ's value there,
0. So the statement proved is: **lhs = rhs at every point of this size where both sides have a value**, σ abstract
meaning every σ (and an abstract loss every q). It says nothing about a point where a side has no value (no
component or branch is meant: a log read as a random function stands for log on its domain, R = s^r for s > 0),
and it needs nothing of the domain's shape: where it is non-empty, the identity holds on all of it.

Where that domain is empty the statement is vacuous: log(−1 − h²) = itself is a formal identity, true "at every
point where defined" because it is defined nowhere; so is a denominator that is 0 as a real function but not as
the random reading builds it (1/(sin²u + cos²u − 1): the random sin and cos forget sin² + cos² = 1; 1/((u + 1)² −
u² − 2u − 1) makes ℤ/p's division fail instead). A vacuous identity is no `holds` (the house rule at every size: at
n ≤ 6 the exact model finds no drawn point with a value and says so), so before the kernel's token stands beyond
its exact reach it needs a certificate that the domain at this size is not empty: one point where the sides have a
value, shown by :func:`witness`.

How a point is shown (floats never decide). The claim's own check runs on the kernel's model in arb balls
(:class:`.balls.BallModel`): every input an exact dyadic rational drawn here, σ and every function the TRUE one,
rigorously enclosed (for σ abstract, the claim is about every σ, so one real σ is a point of its domain: the
logistic function, tanh, then the identity are tried; an abstract loss is q(d) = d²). Each operation with a
restricted domain is done only when a ball proves it has a value: a divisor's ball excludes 0
(:meth:`.balls.BallScalar.inverse`), a log's argument's ball is > 0 (also in a cell's own loss), a non-integer
power's argument's ball is > 0, a sign of |·|, max or min is decided (an entry function is read whole for this,
:func:`.balls._whole_reading`: the expression the ℤ/p reading runs). A ball contains the exact value, so if the
run completes with every side's ball finite, each exact operation had a value at that point: the sides have one.
A ball that does not prove it (an argument ≤ 0, a divisor 0, or too few bits to tell) is no point: the next draw
(positive inputs first, then signed, then negative) or more bits are tried, :data:`TRIES` in all. None found:
the size is `undecided`, naming that no point with a value was found (random_check). The balls' working precision
and the point are said in the token's ``how``.

When it is asked. The ℤ/p run records each operation with a restricted domain it meets (modular.PARTIAL: log, a
root, a division; softmax's Σ e^z > 0 is total). A run that met none computed its sides by total operations, so
they have a value at every point and no witness is needed (the common case: a σ, tanh or logistic cell, its
Jacobians); a run that did, or that did not complete (its token trusts the finder: the check does not run over
ℤ/p), asks for one. Cost: one ball run of the check at the size (derivatives included) when the first draw has a
value.
"""
from __future__ import annotations

import random
from fractions import Fraction

from .decide import precision
from .dual import KernelError, Unsupported

#: σ's real witnesses for a claim about every σ (each a smooth function, so a point of the claim's domain), in order
ABSTRACT_SIGMAS = ("logistic", "tanh", "identity")
#: q(d) = d², an abstract loss's witness (E = Σ q(o_i − y_i)): a polynomial with integer coefficients (balls._loss_of)
LOSS_WITNESS = [0, 0, 1]
#: the draws tried for the inputs: all > 0 first (log u of a model's values is defined where they are positive), then
#: random signs, then all < 0; each entry a dyadic k/2^6, 1 ≤ k < 2^7 (exact in arb), with the sign of its draw
SIGNS = ("positive", "signed", "negative")
#: the working precisions: each draw at the first; the first draw again at the second when a ball did not tell
BITS = (128, 1024)


class NoValueShown(str):
    """The kernel's reason for confirming nothing at a size where it showed no point with a value (a str: said in the
    size's detail). Its type tells the engine not to look for a counterexample at smaller sizes either: a
    counterexample is a point with a value, and where the sides have one nowhere the exact engine's search only
    grows (nested radicals of values with no value); the size stays `undecided`, never `holds`."""


class _Point(dict):
    """The inputs of the point: each entry an exact dyadic rational, drawn the first time the check reads it."""

    def __init__(self, rng: random.Random, signs: str):
        super().__init__()
        self.rng, self.signs = rng, signs

    def __contains__(self, key):
        return True

    def __missing__(self, key):
        v = Fraction(self.rng.randrange(1, 2 ** 7), 2 ** 6)
        if self.signs == "negative" or (self.signs == "signed" and self.rng.random() < 0.5):
            v = -v
        self[key] = v
        return v


def _sides_at(claim, size: dict, point: dict, activation: str, bits: int):
    """The check's two sides in balls at the point with σ = ``activation`` (values only), each entry function read
    whole."""
    from .balls import sides

    loss_witness = LOSS_WITNESS if getattr(claim, "loss", None) in (None, "abstract") else None
    lhs, rhs, _ = sides(claim, size, point, None, loss_witness, bits, activation=activation, whole=True)
    with precision(bits):
        return [x for M in (lhs, rhs) for x in M.val.entries()]


def witness(claim, size: dict, seed: str) -> tuple[bool | None, str]:
    """(True, how) when the kernel shows a point of ``size`` where the claim's sides have a value (module docstring);
    (False, why) when none of its tries does (each ran into a divisor, a log's or a root's argument no ball proves
    has a value); (None, why) when its balls do not run the check (an operation they do not replay): nothing shown."""
    from .balls import NoValue

    if claim.model is None:
        return None, "not a model's claim"
    sigmas = ABSTRACT_SIGMAS if claim.activation == "abstract" else (claim.activation,)
    tries = [(s, signs, BITS[0]) for s in sigmas for signs in SIGNS] + [(sigmas[0], SIGNS[0], BITS[1])]
    rng = random.Random(f"{seed}:{claim.id}:{sorted(size.items())}:a point with a value")
    said = ""
    for k, (sigma, signs, bits) in enumerate(tries):
        point = _Point(random.Random(rng.random()), signs)
        try:
            entries = _sides_at(claim, size, point, sigma, bits)
        except NoValue as e:
            said = str(e)
            continue
        except Unsupported as e:  # an operation the balls do not replay: at no point (nothing shown)
            return None, f"its check does not run in balls: {str(e)[:160]}"
        except KernelError as e:  # a sign no ball decides at this point: another point, or more bits
            said = str(e)
            continue
        except Exception as e:  # noqa: BLE001 (the check raised at the point: nothing shown, never a verdict)
            return None, f"its check does not run in balls: {type(e).__name__}: {str(e)[:160]}"
        if not all(x.is_finite() for x in entries):
            said = "a side's ball is not finite"
            continue
        where = "" if claim.activation != "abstract" else f", σ = {sigma}"
        return True, (f"the sides have a value at a point of this size: its check ran in arb balls at {bits} bits "
                      f"at an exact rational point ({signs} inputs{where}), every divisor's ball excluding 0 and "
                      f"every log's and root's argument's ball > 0 (try {k + 1} of {len(tries)})")
    return False, (f"no value of the sides shown at any of the {len(tries)} points the kernel tried in arb balls "
                   f"(positive, signed and negative inputs{', σ = ' + ', '.join(sigmas) if len(sigmas) > 1 else ''};"
                   f" {BITS[1]} bits once): {said[:160]}")
