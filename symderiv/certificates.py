"""Certificates: a refutation as data, issued from what the engine found.

A certificate records what was found (the size, the witness σ, the exact point,
the entry and both sides' exact values, as the engine computed them from its
symbolic sides). Issuing one is the engine's business; accepting one is the
kernel's (:mod:`symderiv.kernel`), which replays it by its own algorithm and
trusts nothing recorded here but the point.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import sympy as sp

from . import derivatives
from .functions import SIGMA_ORDER, PolynomialSigma, logistic


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
    loss: tuple[int, ...] | None = None  # witness loss E(o, y) = Σ q(o_i − y_i): q's coefficients; None: the claim's
    # Descriptive, for the report; the kernel reads neither:
    structure: dict = field(default_factory=dict)  # an identity's: the entry as a derivative, the entries that differ
    exact: tuple[str, str] = ("", "")  # a relation's sides in closed form (√2, 1/3, tanh(1/2)) where one is cheap
    #: a refutation modulo a prime (kernel/modular.py): the prime; lhs and rhs are then residues ("≡ r (mod p)")
    modulus: int | None = None
    #: a refutation in arb balls (kernel/balls.py): the working precision in bits; lhs and rhs are then balls
    #: ("[0.3215 +/- 3.97e-16]") that the kernel recomputes at that precision
    precision: int | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        d["entry"] = None if self.entry is None else list(self.entry)
        d["curve"] = list(self.curve)
        d["sigma"] = None if self.sigma is None else list(self.sigma)
        d["loss"] = None if self.loss is None else list(self.loss)
        d["notes"] = list(self.notes)
        d["exact"] = list(self.exact)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Counterexample":
        d = dict(d)
        d["entry"] = None if d.get("entry") is None else tuple(d["entry"])
        d["curve"] = tuple(d.get("curve", ()))
        d["sigma"] = None if d.get("sigma") is None else tuple(d["sigma"])
        d["loss"] = None if d.get("loss") is None else tuple(d["loss"])
        d["notes"] = tuple(d.get("notes", ()))
        d["exact"] = tuple(d.get("exact", ("", "")))
        return cls(**d)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)

    @property
    def witness_loss(self) -> str | None:
        """The witness loss in words, when the claim is about every loss: E(o, y) = Σ_i q(o_i − y_i)."""
        if self.loss is None:
            return None
        d = sp.Symbol("d")
        q = sp.sstr(sp.expand(sum(c * d ** k for k, c in enumerate(self.loss))))
        return f"E(o, y) = Σ_i q(o_i − y_i), q(d) = {q}"

    @property
    def witness_sigma(self) -> PolynomialSigma | None:
        return None if self.sigma is None else PolynomialSigma(tuple(self.sigma))


def substitute(expr: sp.Expr, point: dict, sig: PolynomialSigma | None) -> sp.Expr:
    """The exact value of ``expr`` at ``point`` (symbol name -> rational), σ := sig.

    One bottom-up pass with a memo over the expression's DAG (an unrolled side
    shares subexpressions t deep: ``free_symbols``, ``atoms`` and ``xreplace``
    walk it as a tree, minutes for an LSTM at t = 4): symbols take the point's
    values, then each σ atom or logistic whose argument is a number by then is
    replaced by its value, innermost first.
    """
    from .values import nodes

    expr = sp.sympify(expr)
    symbols = [e for e in nodes(expr) if isinstance(e, sp.Basic) and e.is_Symbol]
    missing = sorted(s.name for s in symbols if s.name not in point)
    if missing:
        raise ValueError(f"the point leaves {', '.join(missing[:3])} unassigned")
    values = {s: sp.Rational(point[s.name]) for s in symbols}
    order = SIGMA_ORDER

    def instantiate(r):  # a σ atom or logistic whose argument is a number by now: its value
        if (r.func in order or r.func is logistic) and r.args and r.args[0].is_number:
            a = r.args[0]
            if r.func is logistic:
                return 1 / (1 + sp.exp(-a))
            if sig is None:
                raise ValueError("an abstract σ needs a witness σ")
            return sig.value(a) if order[r.func] == 0 else sig.derivative(a, order[r.func])
        return r

    return sp.sympify(derivatives.substitute(expr, values, rebuilt=instantiate))


def approx(value: sp.Expr, digits: int = 12) -> str:
    return sp.sstr(sp.N(value, digits))


def issue(claim_id: str, size: dict, sides, sig: PolynomialSigma | None, point: dict, entry,
          loss: tuple | None = None) -> Counterexample:
    """Fill in a certificate's exact values from the transcription's two sides (``loss``: a witness loss's q)."""
    lhs, rhs = sides
    i, j = entry
    pt = {s.name: str(sp.Rational(v.numerator, v.denominator)) for s, v in point.items()}
    lv = substitute(lhs[i, j], pt, sig)
    rv = substitute(rhs[i, j], pt, sig)
    return Counterexample(claim_id, dict(size), None if sig is None else tuple(sig.coeffs), pt, (i, j),
                          sp.sstr(lv), sp.sstr(rv), approx(lv), approx(rv), loss=None if loss is None else tuple(loss))


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


def _steps_at(evaluate, values):
    from .kernel.decide import relations_of

    out, hyps = evaluate(values)
    return relations_of(out), hyps


def issue_relation(claim_id: str, size: dict, values: dict, step: str, evaluate, sigma=None) -> Counterexample:
    """A certificate for a relation or limit that fails at ``values`` (``evaluate(values)`` runs the check, with
    the abstract σ already the witness polynomial ``sigma`` when one is given: the certificate names it)."""
    from dataclasses import replace

    cert = _issue_relation(claim_id, size, values, step, evaluate)
    return cert if sigma is None else replace(cert, sigma=tuple(sigma.coeffs))


def _issue_relation(claim_id: str, size: dict, values: dict, step: str, evaluate) -> Counterexample:
    from .kernel.decide import decide, decide_limit
    from .relations import Limit

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
                          f"{rel.rhs.approx():.6g}", notes + (f"{rel.op} violated: {d.how}",), "relation", step, shapes,
                          exact=(closed_form(rel.lhs), closed_form(rel.rhs)))


def closed_form(s) -> str:
    """A scalar tree's exact value in closed form (√2, 1/3, tanh(1/2)), or '' when none is cheap.

    Numbers are kept as the check computed them (tanh, exp included); a
    spectral quantity has one only for a rational matrix whose eigenvalues are
    at most quadratic (:func:`symderiv.kernel.decide.exact`). Shown beside the
    kernel's enclosure; the kernel does not read it.
    """
    from .kernel.decide import exact
    from .relations import Num, Op

    def walk(x):
        if isinstance(x, Num):
            return sp.sympify(x.value)
        if isinstance(x, Op):
            a, b = (walk(y) for y in x.args)
            if a is None or b is None or (x.op == "/" and b == 0):
                return None
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "^": a ** b}[x.op]
        return exact(x)

    try:
        v = walk(s)
    except Exception:  # no closed form is only a missing nicety: the enclosure stands
        return ""
    return "" if v is None else sp.sstr(v)
