"""Certificates: a refutation as data, and a checker that trusts nothing else.

A certificate records what was found (the size, the witness σ, the exact point,
the entry and both sides' exact values). :func:`verify` rebuilds the claim's
two sides from the transcription at that size, substitutes the point with
SymPy's own exact arithmetic (not the search's evaluator), compares the
recomputed values with the recorded ones, and decides that they differ:
exactly for rationals, and by python-flint arb balls for transcendental values
such as tanh(1/2). arb was chosen over mpmath's ``iv`` because its balls carry
rigorous error bounds through tanh/exp/log at any precision and it is fast.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import sympy as sp

from .functions import SIGMA_ORDER, PolynomialSigma, logistic


@dataclass(frozen=True)
class Counterexample:
    """A claimed refutation of an identity at one size."""

    claim_id: str
    size: dict
    sigma: tuple[int, ...] | None   # witness σ's coefficients c0, c1, ...; None: the claim's own σ
    point: dict                     # symbol name -> exact rational, as a string
    entry: tuple[int, int]
    lhs: str                        # exact value of lhs[entry]
    rhs: str                        # exact value of rhs[entry]
    lhs_approx: str = ""
    rhs_approx: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        d = asdict(self)
        d["entry"] = list(self.entry)
        d["sigma"] = None if self.sigma is None else list(self.sigma)
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Counterexample":
        d = dict(d)
        d["entry"] = tuple(d["entry"])
        d["sigma"] = None if d.get("sigma") is None else tuple(d["sigma"])
        d["notes"] = tuple(d.get("notes", ()))
        return cls(**d)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)

    @property
    def witness_sigma(self) -> PolynomialSigma | None:
        return None if self.sigma is None else PolynomialSigma(tuple(self.sigma))


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str


def substitute(expr: sp.Expr, point: dict, sig: PolynomialSigma | None) -> sp.Expr:
    """The exact value of ``expr`` at ``point`` (symbol name -> rational), σ := sig."""
    expr = sp.sympify(expr)
    values = {s: sp.Rational(point[s.name]) for s in expr.free_symbols if s.name in point}
    missing = sorted(s.name for s in expr.free_symbols if s.name not in point)
    if missing:
        raise ValueError(f"the point leaves {', '.join(missing[:3])} unassigned")
    v = expr.xreplace(values)
    order = SIGMA_ORDER
    while True:  # innermost atoms first: their arguments are numbers by now
        atoms = [a for a in v.atoms(*SIGMA_ORDER, logistic) if a.args[0].is_number]
        if not atoms:
            break
        if sig is None and any(a.func is not logistic for a in atoms):
            raise ValueError("an abstract σ needs a witness σ")
        v = v.xreplace({a: (1 / (1 + sp.exp(-a.args[0])) if a.func is logistic else
                            sig.value(a.args[0]) if order[a.func] == 0 else sig.derivative(a.args[0], order[a.func]))
                        for a in atoms})
    return sp.sympify(v)


def _arb(e: sp.Expr):
    import flint

    if e.is_Rational:
        return flint.arb(flint.fmpq(int(e.p), int(e.q)))
    if e.is_Add:
        out = flint.arb(0)
        for a in e.args:
            out += _arb(a)
        return out
    if e.is_Mul:
        out = flint.arb(1)
        for a in e.args:
            out *= _arb(a)
        return out
    if e.is_Pow:
        b = _arb(e.base)
        if e.exp.is_Integer:
            return b ** int(e.exp)
        return b ** _arb(e.exp)
    fns = {sp.exp: "exp", sp.tanh: "tanh", sp.log: "log"}
    if e.func in fns:
        return getattr(_arb(e.args[0]), fns[e.func])()
    if e == sp.E:
        return flint.arb(1).exp()
    if e == sp.pi:
        return flint.arb.pi()
    raise ValueError(f"no rigorous enclosure for {e.func}")


def sign(value: sp.Expr) -> int | None:
    """The certified sign of an exact real number: −1, 0, 1, or None if undecided."""
    value = sp.sympify(value)
    if value.is_Rational:
        return int(bool(value > 0)) - int(bool(value < 0))
    import flint

    old = flint.ctx.prec
    try:
        for prec in (64, 256, 1024):
            flint.ctx.prec = prec
            x = _arb(value)
            if x > 0:
                return 1
            if x < 0:
                return -1
    finally:
        flint.ctx.prec = old
    return None


def approx(value: sp.Expr, digits: int = 12) -> str:
    return sp.sstr(sp.N(value, digits))


def issue(claim_id: str, size: dict, sides, sig: PolynomialSigma | None, point: dict, entry) -> Counterexample:
    """Fill in a certificate's exact values from the transcription's two sides."""
    lhs, rhs = sides
    i, j = entry
    pt = {s.name: str(sp.Rational(v.numerator, v.denominator)) for s, v in point.items()}
    lv = substitute(lhs[i, j], pt, sig)
    rv = substitute(rhs[i, j], pt, sig)
    return Counterexample(claim_id, dict(size), None if sig is None else tuple(sig.coeffs), pt, (i, j),
                          sp.sstr(lv), sp.sstr(rv), approx(lv), approx(rv))


def verify(cert: Counterexample, sides) -> Verification:
    """Re-check a certificate from scratch against the transcription's sides at its size."""
    lhs, rhs = sides
    if lhs.shape != rhs.shape:
        return Verification(False, f"the sides have shapes {lhs.shape} and {rhs.shape}")
    i, j = cert.entry
    if not (0 <= i < lhs.rows and 0 <= j < lhs.cols):
        return Verification(False, f"entry {cert.entry} is outside the {lhs.rows}×{lhs.cols} sides")
    sig = cert.witness_sigma
    try:
        lv = substitute(lhs[i, j], cert.point, sig)
        rv = substitute(rhs[i, j], cert.point, sig)
    except (ValueError, ZeroDivisionError) as e:
        return Verification(False, f"cannot evaluate the sides at the point: {e}")
    for name, mine, recorded in (("lhs", lv, cert.lhs), ("rhs", rv, cert.rhs)):
        s = sign(mine - sp.sympify(recorded))
        if s != 0 and not (s is None and sp.sstr(mine) == recorded):
            return Verification(False, f"recorded {name} {recorded} is not the recomputed {sp.sstr(mine)}")
    s = sign(lv - rv)
    if s is None:
        return Verification(False, "the difference could not be separated from 0 by rigorous enclosures")
    if s == 0:
        return Verification(False, "both sides are equal at the point")
    how = "exact rational arithmetic" if (lv - rv).is_Rational else "arb ball arithmetic"
    return Verification(True, f"lhs − rhs = {approx(lv - rv)} ≠ 0 at entry {cert.entry}, by {how}")
