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

import sympy as sp

from .functions import SIGMA_ORDER, PolynomialSigma, logistic
from .rigorous import sign


@dataclass(frozen=True)
class Counterexample:
    """A claimed refutation of an identity at one size."""

    claim_id: str
    size: dict
    sigma: tuple[int, ...] | None   # witness σ's coefficients c0, c1, ...; None: the claim's own σ
    point: dict                     # symbol name -> exact rational, as a string
    entry: tuple[int, int] | None
    lhs: str                        # exact value of lhs[entry]
    rhs: str                        # exact value of rhs[entry]
    lhs_approx: str = ""
    rhs_approx: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    kind: str = "identity"          # "identity" | "relation" | "limit"
    step: str = ""                  # the failing step of a relation or limit claim
    shapes: dict = field(default_factory=dict)  # name -> [rows, cols] (a relation's matrices), or None (a scalar)
    curve: tuple[float, ...] = ()   # a limit's ‖X_q‖, q = 0, 1, … (floats: a picture, not evidence)

    def to_json(self) -> dict:
        d = asdict(self)
        d["entry"] = None if self.entry is None else list(self.entry)
        d["curve"] = list(self.curve)
        d["sigma"] = None if self.sigma is None else list(self.sigma)
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Counterexample":
        d = dict(d)
        d["entry"] = None if d.get("entry") is None else tuple(d["entry"])
        d["curve"] = tuple(d.get("curve", ()))
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


# ----- relations and limits -------------------------------------------------------

def flatten(values: dict) -> tuple[dict, dict]:
    """Named exact values → (point "W[0,1]" -> "1/2", shapes name -> [rows, cols] / None (a scalar) /
    {"tuple": [element names]})."""
    point, shapes = {}, {}
    for name, v in values.items():
        if isinstance(v, tuple):
            names = [f"{name}.{i}" for i in range(len(v))]
            p, sh = flatten(dict(zip(names, v)))
            point.update(p)
            shapes.update(sh)
            shapes[name] = {"tuple": names}
        elif isinstance(v, sp.MatrixBase):
            shapes[name] = [v.rows, v.cols]
            for i in range(v.rows):
                for j in range(v.cols):
                    point[f"{name}[{i},{j}]"] = sp.sstr(v[i, j])
        else:
            shapes[name] = None
            point[name] = sp.sstr(sp.sympify(v))
    return point, shapes


def unflatten(point: dict, shapes: dict) -> dict:
    def one(name):
        shape = shapes[name]
        if isinstance(shape, dict):
            return tuple(one(e) for e in shape["tuple"])
        if shape is None:
            return sp.Rational(point[name])
        r, c = shape
        return sp.Matrix(r, c, lambda i, j: sp.Rational(point[f"{name}[{i},{j}]"]))

    parts = {e for sh in shapes.values() if isinstance(sh, dict) for e in sh["tuple"]}
    return {name: one(name) for name in shapes if name not in parts}


def _steps_at(evaluate, values):
    from .rigorous import relations_of

    out, hyps = evaluate(values)
    return relations_of(out), hyps


def issue_relation(claim_id: str, size: dict, values: dict, step: str, evaluate) -> Counterexample:
    """A certificate for a relation or limit that fails at ``values`` (``evaluate(values)`` runs the check)."""
    from .rigorous import decide, decide_limit
    from .scalars import Limit

    point, shapes = flatten(values)
    steps, hyps = _steps_at(evaluate, values)
    rel = dict(steps)[step]
    notes = tuple(f"hypothesis {h.label or str(h)}: holds ({decide(h).how})" for h in hyps)
    if isinstance(rel, Limit):
        d, g = decide_limit(rel)
        return Counterexample(claim_id, dict(size), None, point, None, d.lhs, d.rhs, g.factor, g.poly,
                              notes, "limit", step, shapes, tuple(rel.seq.values(24)))
    d = decide(rel)
    return Counterexample(claim_id, dict(size), None, point, None, d.lhs, d.rhs, f"{rel.lhs.approx():.6g}",
                          f"{rel.rhs.approx():.6g}", notes + (f"{rel.op} violated: {d.how}",), "relation", step, shapes)


def verify_relation(cert: Counterexample, evaluate) -> Verification:
    """Re-check a relation or limit certificate from its recorded values, rigorously."""
    from .rigorous import decide, decide_limit, matches
    from .scalars import Limit

    try:
        values = unflatten(cert.point, cert.shapes)
        steps, hyps = _steps_at(evaluate, values)
    except Exception as e:  # the recorded values do not even fit the claim
        return Verification(False, f"the recorded values do not evaluate: {type(e).__name__}: {e}")
    found = dict(steps)
    if cert.step not in found:
        return Verification(False, f"the claim has no step {cert.step!r}")
    for h in hyps:
        d = decide(h)
        if d.value is not True:
            return Verification(False, f"hypothesis {h.label or str(h)} is not certified to hold "
                                       f"({'it fails' if d.value is False else d.how})")
    rel = found[cert.step]
    if isinstance(rel, Limit):
        d, g = decide_limit(rel)
        if g.poly != cert.rhs_approx or g.factor != cert.lhs_approx:
            return Verification(False, f"recorded growth {cert.lhs_approx} (minimal polynomial {cert.rhs_approx}) "
                                       f"is not the recomputed {g.factor} ({g.poly})")
        if d.value is not False:
            return Verification(False, f"the limit is not refuted: {d.how}")
        return Verification(True, f"{d.lhs}, not {rel.to!r}: {d.how}")
    d = decide(rel)
    for name, recorded, mine in (("lhs", cert.lhs, rel.lhs), ("rhs", cert.rhs, rel.rhs)):
        if not matches(recorded, mine):
            return Verification(False, f"recorded {name} {recorded} is not the recomputed value")
    if d.value is not False:
        return Verification(False, "the relation is not refuted at the recorded values: "
                                   + ("it holds" if d.value else d.how))
    return Verification(True, f"{rel.lhs.approx():.6g} {rel.op} {rel.rhs.approx():.6g} is false: {d.how}")
