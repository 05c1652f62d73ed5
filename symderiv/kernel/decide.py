"""Rigorous evaluation: exact numbers, certified root isolation, arb balls.

This is the only arithmetic that decides an inequality or a limit:

* a scalar tree (:mod:`symderiv.relations`) is enclosed in an arb ball. A
  spectral quantity of a rational matrix comes from its characteristic
  polynomial over ℚ (python-flint's exact ``fmpq_mat.charpoly``) whose roots
  are isolated with certified enclosures (``fmpq_poly.complex_roots``); of a
  matrix with transcendental entries (1 − tanh(2)²), from arb entry balls and
  acb_mat's rigorous eigenvalue enclosures;
* when two balls still overlap at 1024 bits, a tie is settled exactly where
  the values are algebraic (SymPy's minimal polynomial), and is otherwise
  left undecided;
* a limit of ‖Mᵠ X₀‖ is decided from the minimal polynomial of the observed
  sequence (exact rational linear algebra) and its roots' moduli.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import sympy as sp

from ..relations import Chain, Limit, Num, Op, Relation, Sequence, Spectral

PRECISIONS = (64, 256, 1024)


@contextmanager
def precision(bits: int):
    import flint

    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = old


def arb_of(e: sp.Expr):
    """An arb ball containing the exact real number ``e``."""
    import flint

    e = sp.sympify(e)
    if e.is_Rational:
        return flint.arb(flint.fmpq(int(e.p), int(e.q)))
    if e.is_Add:
        out = flint.arb(0)
        for a in e.args:
            out += arb_of(a)
        return out
    if e.is_Mul:
        out = flint.arb(1)
        for a in e.args:
            out *= arb_of(a)
        return out
    if e.is_Pow:
        b = arb_of(e.base)
        if e.exp.is_Integer:
            return b ** int(e.exp)
        return b ** arb_of(e.exp)
    fns = {sp.exp: "exp", sp.tanh: "tanh", sp.log: "log", sp.cos: "cos", sp.sin: "sin"}
    if e.func in fns:
        return getattr(arb_of(e.args[0]), fns[e.func])()
    if e.func is sp.Abs:
        return abs(arb_of(e.args[0]))
    from ..functions import logistic

    if isinstance(e, logistic):   # the notation's logistic function: 1/(1 + e^{−x}), arb's exp rounded outward
        return 1 / (1 + (-arb_of(e.args[0])).exp())
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
    for prec in PRECISIONS:
        with precision(prec):
            x = arb_of(value)
            if x > 0:
                return 1
            if x < 0:
                return -1
    return None


# ----- spectra -----------------------------------------------------------------

def _fmpq(x):
    """An exact rational (SymPy's, or a ground-domain element: flint's or SymPy's own) as flint's fmpq."""
    import flint

    if isinstance(x, flint.fmpq):
        return x
    if isinstance(x, sp.Basic):
        x = sp.Rational(x)
        return flint.fmpq(int(x.p), int(x.q))
    return flint.fmpq(int(x.numerator), int(x.denominator))


def _entries(M: sp.Matrix) -> list | None:
    """M's entries as fmpq (row by row), or None when one is not rational.

    A matrix SymPy stores over ℤ or ℚ (its domain) has only rational
    entries: they are read from that representation, not tested one by one.
    """
    rep = getattr(M, "_rep", None)
    dom = getattr(rep, "domain", None)
    if dom is not None and (dom.is_ZZ or dom.is_QQ):
        return [_fmpq(x) for x in rep.to_list_flat()]
    values = [sp.sympify(x) for x in M]
    return [_fmpq(x) for x in values] if all(x.is_Rational for x in values) else None


def _rational(M: sp.Matrix) -> bool:
    return _entries(M) is not None


def _fmpq_mat(M: sp.Matrix):
    import flint

    return flint.fmpq_mat(M.rows, M.cols, _entries(M))


def _roots(M: sp.Matrix) -> list:
    """Certified enclosures (acb) of M's eigenvalues, with multiplicity."""
    import flint

    if M.rows == 0:
        return []
    entries = _entries(M)
    if entries is not None:
        return _exact_roots(flint.fmpq_mat(M.rows, M.cols, entries))
    A = flint.acb_mat([[flint.acb(arb_of(x)) for x in M.row(i)] for i in range(M.rows)])
    return list(A.eig(multiple=True))


def _exact_roots(A) -> list:
    """Certified enclosures (acb) of the eigenvalues of a rational matrix (fmpq_mat), with multiplicity."""
    import flint

    out = []
    for r, mult in A.charpoly().complex_roots():
        out += [flint.acb(r)] * mult
    return out


def _gram_roots(M: sp.Matrix) -> list:
    """Enclosures of the eigenvalues of MᵀM (or MMᵀ, the smaller), whose square roots are M's singular values."""
    import flint

    entries = _entries(M)
    if entries is not None:  # exact: the Gram matrix over ℚ in flint
        A = flint.fmpq_mat(M.rows, M.cols, entries)
        return _exact_roots(A.transpose() * A if M.rows >= M.cols else A * A.transpose())
    return _roots(M.T * M if M.rows >= M.cols else M * M.T)


def _bmax(balls):
    """An enclosure of the largest of several values: [max of lower ends, max of upper ends]."""
    lo = max(b.lower() for b in balls)  # exact endpoints: arb's > decides them
    hi = max(b.upper() for b in balls)
    return lo.union(hi)


def _bmin(balls):
    return -_bmax([-b for b in balls])


def _sqrt(b):
    import flint

    if b < 0:
        raise ValueError("square root of a negative enclosure")
    lo = b.lower()
    if not lo > 0:  # clip the part of the ball below 0 (the exact value is ≥ 0)
        b = flint.arb(0).union(b.upper())
    return b.sqrt()


def ball(s):
    """A rigorous enclosure of a scalar tree at the current arb precision."""
    import flint

    if isinstance(s, Num):
        return arb_of(s.value)
    if isinstance(s, Op):
        a, b = (ball(x) for x in s.args)
        if s.op == "+":
            return a + b
        if s.op == "-":
            return a - b
        if s.op == "*":
            return a * b
        if s.op == "/":
            if not (b > 0 or b < 0):
                raise ZeroDivisionError("division by an enclosure that contains 0")
            return a / b
        if s.op in ("max", "min"):  # arb's max/min enclose the max/min of any points of the two balls
            return a.max(b) if s.op == "max" else a.min(b)
        if s.op == "^":
            e = s.args[1]
            if isinstance(e, Num) and e.value.is_Integer:
                return a ** int(e.value)
            return a ** b
    if isinstance(s, Spectral):
        M = s.M
        if s.kind == "abs":
            return abs(arb_of(M[0, 0]))
        if s.kind == "det":
            return arb_of(M.det()) if _rational(M) else flint.arb_mat(
                [[arb_of(x) for x in M.row(i)] for i in range(M.rows)]).det()
        if s.kind == "fro":
            return _sqrt(sum((arb_of(x) ** 2 for x in M), flint.arb(0)))
        if s.kind in ("norm2", "smin"):
            vals = [r.real for r in _gram_roots(M)]
            if not vals:
                return flint.arb(0)
            return _sqrt(_bmax(vals) if s.kind == "norm2" else _bmin(vals))
        vals = _roots(M)
        if s.kind == "rho":
            return _bmax([abs(v) for v in vals])
        if s.kind == "lam_min":
            return _bmin([abs(v) for v in vals])
        if s.kind == "lam_max":
            return _bmax(_real_eigenvalues(M, vals))
    raise TypeError(f"cannot enclose {s!r}")


def _real_eigenvalues(M: sp.Matrix, vals: list) -> list:
    """Enclosures of the real eigenvalues only (lam_max is the largest real eigenvalue, in every path).

    Rational M: flint isolates the charpoly's real roots with an exactly zero
    imaginary part. Otherwise (M real): an enclosure whose imaginary part
    excludes 0 is not real; one that contains 0 and meets no other enclosure,
    nor does its conjugate, holds one eigenvalue λ whose conjugate (also an
    eigenvalue) can only be in it too, so λ is real. A symmetric M has only real
    eigenvalues. Anything else is undecided.
    """
    if _rational(M):
        reals = [v.real for v in vals if v.imag.is_zero()]
    elif M == M.T:  # symmetric: every eigenvalue is real
        reals = [v.real for v in vals]
    else:
        reals = []
        for i, v in enumerate(vals):
            if not v.imag.contains(0):
                continue
            others = vals[:i] + vals[i + 1:]
            if any(v.overlaps(o) or v.conjugate().overlaps(o) for o in others):
                raise ValueError("lam_max: the eigenvalue enclosures do not separate real from complex ones")
            reals.append(v.real)
    if not reals:
        raise ValueError("lam_max: the matrix has no real eigenvalue, so lam_max is undefined")
    return reals


# ----- exact values, for ties ---------------------------------------------------

_x = sp.Symbol("x")


def _root_moduli(M: sp.Matrix) -> list | None:
    """Exact moduli of M's eigenvalues (algebraic), or None when beyond quadratics."""
    out = []
    poly = M.charpoly(_x)
    for factor, mult in sp.factor_list(poly.as_expr(), _x)[1]:
        f = sp.Poly(factor, _x)
        if f.degree() == 1:
            a, b = f.all_coeffs()
            out += [abs(-b / a)] * mult
        elif f.degree() == 2:
            a, b, c = f.all_coeffs()
            disc = b * b - 4 * a * c
            if disc < 0:
                out += [sp.sqrt(c / a)] * (2 * mult)
            else:
                out += [abs((-b + sp.sqrt(disc)) / (2 * a)), abs((-b - sp.sqrt(disc)) / (2 * a))] * mult
        elif all(r.is_real for r in f.all_roots()):
            out += [abs(r) for r in f.all_roots()] * mult
        else:
            return None
    return out


def exact(s) -> sp.Expr | None:
    """The exact value of a scalar tree when it is algebraic and cheap, else None."""
    if isinstance(s, Num):
        return s.value if not s.value.has(sp.tanh, sp.exp, sp.log) else None
    if isinstance(s, Op):
        a = exact(s.args[0])
        b = None if a is None else exact(s.args[1])  # no closed form for one side: none for the tree either
        if a is None or b is None:
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b != 0 else None, "^": a ** b,
                "max": sp.Max(a, b), "min": sp.Min(a, b)}[s.op]
    if isinstance(s, Spectral) and _rational(s.M):
        M = s.M
        if s.kind == "abs":
            return abs(M[0, 0])
        if s.kind == "det":
            return M.det()
        if s.kind == "fro":
            return sp.sqrt(sum(x ** 2 for x in M))
        if s.kind in ("norm2", "smin"):
            gram = M.T * M if M.rows >= M.cols else M * M.T
            mods = _root_moduli(gram)
            return None if mods is None else sp.sqrt(max(mods) if s.kind == "norm2" else min(mods))
        if s.kind in ("rho", "lam_min"):
            mods = _root_moduli(M)
            return None if mods is None else (max(mods) if s.kind == "rho" else min(mods))
        if s.kind == "lam_max":
            roots = sp.Poly(M.charpoly(_x).as_expr(), _x).real_roots()
            return max(roots) if roots else None
    return None


def _is_zero(d: sp.Expr) -> bool | None:
    d = sp.nsimplify(d) if d.is_Float else d
    if d.is_Rational:
        return d == 0
    try:
        return sp.minimal_polynomial(d, _x) == _x
    except (NotImplementedError, ValueError, sp.PolynomialError):
        return None


# ----- decisions ----------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """Whether a relation holds at a point, certified: True, False, or None (undecided)."""

    value: bool | None
    lhs: str
    rhs: str
    how: str


def _fmt(b) -> str:
    return b.str(12, radius=True) if hasattr(b, "str") else str(b)


def matches(recorded: str, s) -> bool:
    """Is a recorded value (an arb ball string, or an exact SymPy number) the value of scalar ``s``?"""
    import flint

    try:
        rec = flint.arb(recorded)
    except ValueError:
        from .dual import KernelError, recorded_number

        ex = exact(s)
        try:
            rec = recorded_number(recorded)
        except KernelError:
            return False
        return ex is not None and _is_zero(sp.sympify(ex) - rec) is True
    with precision(256):
        return rec.overlaps(ball(s))


#: the relations a tie (lhs = rhs) makes true; a tie makes the others (<, >, !=) false
TRUE_AT_A_TIE = ("<=", ">=", "=")


def decide(r: Relation, want: bool | None = None) -> Decision:
    """Decide ``lhs op rhs`` rigorously; a tie is settled exactly or left undecided.

    ``want``: the caller only asks whether the value is ``want`` (a search
    asking for a refutation: False; for a hypothesis that must hold: True).
    When the enclosures overlap and a tie would give ``not want``, the exact
    tie-break (the costly part: characteristic polynomials and minimal
    polynomials in SymPy) cannot answer yes, so it is skipped and the decision
    is undecided. ``decide(r, want).value is want`` exactly when
    ``decide(r).value is want``.
    """
    last = ("?", "?")
    for prec in PRECISIONS:
        with precision(prec):
            try:
                a, b = ball(r.lhs), ball(r.rhs)
            except (ValueError, ZeroDivisionError) as e:
                return Decision(None, "?", "?", f"no enclosure: {e}")
            last = (_fmt(a), _fmt(b))
            if a < b:
                return Decision(r.op in ("<=", "<", "!="), *last, f"arb balls at {prec} bits: lhs < rhs")
            if a > b:
                return Decision(r.op in (">=", ">", "!="), *last, f"arb balls at {prec} bits: lhs > rhs")
    if want is not None and (r.op in TRUE_AT_A_TIE) != want:
        return Decision(None, *last, "the enclosures overlap; a tie could only make it "
                        f"{'true' if r.op in TRUE_AT_A_TIE else 'false'}, so it was not settled")
    ea = exact(r.lhs)
    eb = None if ea is None else exact(r.rhs)
    if ea is not None and eb is not None:
        zero = _is_zero(sp.sympify(ea - eb))
        if zero:
            return Decision(r.op in ("<=", ">=", "="), sp.sstr(ea), sp.sstr(eb),
                            "exact: lhs = rhs (minimal polynomial of lhs − rhs is x)")
    return Decision(None, *last, "the enclosures overlap and no exact tie-break applies")


def relations_of(out) -> list[tuple[str, Relation | Limit]]:
    """A check's return value as labelled steps."""
    if isinstance(out, Chain):
        return [(r.label, r) for r in out.steps]
    if isinstance(out, (Relation, Limit)):
        return [(out.label or "claim", out)]
    if isinstance(out, (list, tuple)) and all(isinstance(x, (Relation, Limit)) for x in out):
        return [(x.label or f"step {i + 1}", x) for i, x in enumerate(out)]
    raise TypeError(f"an inequality or limit check must return a Relation, steps(...) or a Limit, "
                    f"not {type(out).__name__}")


# ----- limits -----------------------------------------------------------------

@dataclass(frozen=True)
class Growth:
    """How ‖X_q‖ behaves: '0', 'bounded' (neither → 0 nor → ∞), 'inf', or None."""

    behaviour: str | None
    factor: str            # the growth factor per period: the largest root modulus
    poly: str              # the minimal polynomial of the observed sequence
    how: str


def minimal_polynomial(seq: Sequence) -> sp.Poly:
    """The monic minimal polynomial p with Σ p_i X_{q+i} = 0 (read through the view) for all q.

    Exact linear algebra over ℚ (python-flint's fmpq_mat): for d = 0, 1, …
    the first d for which p_0 … p_{d−1} solve Σ_i p_i y_{q+i} = −y_{q+d}
    (q < N) gives p. At that smallest d the solution is unique (two would
    differ by a relation of lower degree), so reading it off the reduced row
    echelon form is the same p as any exact solver's. Rational M and X₀ only.
    """
    import flint

    M, X = sp.Matrix(seq.M), sp.Matrix(seq.X0)
    N = M.rows
    lo, hi = seq.view or (0, M.rows)
    Mq = flint.fmpq_mat(M.rows, M.cols, _entries(M))
    Z = flint.fmpq_mat(X.rows, X.cols, _entries(X))
    ys = []
    for _ in range(2 * N + 1):
        ys.append([Z[i, j] for i in range(lo, hi) for j in range(Z.ncols())])  # the view, row by row
        Z = Mq * Z
    width = len(ys[0])
    for d in range(0, N + 1):
        # unknowns p_0..p_{d-1}: Σ_i p_i y_{q+i} = −y_{q+d}, q = 0..N−1
        rows = [[ys[q + i][idx] for i in range(d)] + [-ys[q + d][idx]] for q in range(N) for idx in range(width)]
        if d == 0:
            if all(r[0] == 0 for r in rows):
                return sp.Poly(1, _x)
            continue
        R, rank = flint.fmpq_mat(len(rows), d + 1, [v for r in rows for v in r]).rref()
        sol = [flint.fmpq(0)] * d
        consistent = True
        for i in range(rank):
            col = next(c for c in range(d + 1) if R[i, c] != 0)
            if col == d:  # a pivot in the right-hand side: 0 = 1
                consistent = False
                break
            sol[col] = R[i, d]
        if not consistent:
            continue
        return sp.Poly(_x ** d + sum(sp.Rational(int(c.p), int(c.q)) * _x ** i for i, c in enumerate(sol)), _x)
    raise AssertionError("Cayley–Hamilton bounds the degree by the dimension")


def growth(seq: Sequence) -> Growth:
    if not (_rational(seq.M) and _rational(seq.X0)):
        return Growth(None, "?", "?", "the period's Jacobian product is not rational: no exact limit decision")
    p = minimal_polynomial(seq)
    if p.degree() == 0:
        return Growth("0", "0", "1", "the sequence is identically 0")
    import flint

    moduli: list = []  # (exact modulus or None, ball, multiplicity)
    for factor, mult in sp.factor_list(p.as_expr(), _x)[1]:
        f = sp.Poly(factor, _x)
        coeffs = [sp.Rational(c) for c in reversed(f.all_coeffs())]
        fpoly = flint.fmpq_poly([flint.fmpq(int(c.p), int(c.q)) for c in coeffs])
        ex = None
        if f.degree() == 1:
            ex = abs(-coeffs[0] / coeffs[1])
        elif f.degree() == 2 and coeffs[1] ** 2 - 4 * coeffs[2] * coeffs[0] < 0:
            ex = sp.sqrt(coeffs[0] / coeffs[2])
        for r, _m in fpoly.complex_roots():
            moduli.append((ex, abs(r), mult))
    top_exact_one, top_mult = False, 0
    for ex, b, mult in moduli:
        if ex is not None:
            if ex > 1:
                return _growth("inf", moduli, p, "a root of modulus > 1")
            if ex == 1:
                top_exact_one = True
                top_mult = max(top_mult, mult)
            continue
        if b > 1:
            return _growth("inf", moduli, p, "a root of modulus > 1 (certified enclosure)")
        if not b < 1:
            return _growth(None, moduli, p, "a root's modulus cannot be separated from 1")
    if top_exact_one:
        if top_mult > 1:
            return _growth("inf", moduli, p, "a repeated root of modulus 1: polynomial growth")
        return _growth("bounded", moduli, p, "the largest roots have modulus 1 and are simple")
    return _growth("0", moduli, p, "every root has modulus < 1")


def _growth(behaviour, moduli, p, how) -> Growth:
    exacts = [ex for ex, _, _ in moduli]
    if exacts and all(e is not None for e in exacts):
        factor = sp.sstr(max(exacts))
    else:
        factor = _fmt(_bmax([b for _, b, _ in moduli])) if moduli else "0"
    return Growth(behaviour, factor, sp.sstr(p.as_expr()), how)


def decide_limit(lim: Limit) -> tuple[Decision, Growth]:
    g = growth(lim.seq)
    if g.behaviour is None:
        return Decision(None, "?", lim.to, g.how), g
    ok = {"0": g.behaviour == "0", "inf": g.behaviour == "inf",
          "bounded": g.behaviour in ("0", "bounded"), "not0": g.behaviour in ("bounded", "inf")}[lim.to]
    said = {"0": "→ 0", "bounded": "stays bounded (neither → 0 nor → ∞)", "inf": "→ ∞"}[g.behaviour]
    return Decision(ok, f"‖{lim.seq.label}‖ {said}", lim.to,
                    f"minimal polynomial {g.poly}, growth factor per period {g.factor}: {g.how}"), g
