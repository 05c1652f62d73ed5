"""Replaying certificates: the kernel's verdict on a claimed counterexample.

An identity certificate names a size, a witness σ (a polynomial, when σ is
abstract), an exact point and an entry. The kernel checks the premises (the
size is a size, the witness is in the claim's domain, every input has an
exact value), runs the proof's check on an :class:`ExactModel` at that point
(the truth by forward-mode over exact numbers, the claimed side by the
notation on exact matrices), and decides that the entry's two values differ:
exactly for rationals, by arb balls otherwise. A relation or limit certificate
is replayed the same way at its recorded values, after checking that they lie
in the search domain the claim declares, and decided by :mod:`.decide`.
"""
from __future__ import annotations

from ..notation import literal

import inspect
from dataclasses import dataclass

import sympy as sp

from ..families import Diagonals, Just, Matrices, Sampled, Scalars, Vectors
from ..functions import PolynomialSigma
from .accept import IDENTITY, STEP, Refuted, _issue, genuine
from .decide import decide, decide_limit, matches, relations_of, sign
from .dual import KernelError, Unsupported, recorded_number, same_shape, two_sides
from .free import MAX_ORDER, NeedsOrder, value_of
from .free import run_check as run_free_check
from .model import ExactModel, NeedsJets, entry_name

SIZE_KEYS = ("n", "t", "m")


@dataclass(frozen=True)
class Verification:
    """The kernel's answer on a certificate: ``ok`` only with the :class:`~.accept.Refuted` token it made."""

    ok: bool
    reason: str
    token: object = None

    def __post_init__(self):
        if self.ok and not (genuine(self.token) and isinstance(self.token, Refuted)):
            raise KernelError("only the kernel accepts a certificate (an accepted Verification needs its token)")


def _refuted(claim, size: dict, reason: str, label: str = "") -> Verification:
    kind = STEP if label else IDENTITY
    return Verification(True, reason, _issue(Refuted, claim.id, size, kind, reason, label=label))


def _size(claim, cert) -> dict:
    """The certificate's size, if it is one the claim speaks of: its dimensions, and a fixed one's values."""
    size = cert.size
    if cert.claim_id != claim.id:
        raise KernelError(f"the certificate is for {cert.claim_id!r}, not {claim.id!r}")
    if not isinstance(size, dict) or not set(size) <= set(SIZE_KEYS):
        raise KernelError(f"size {size!r} is not a size (keys among {SIZE_KEYS})")
    for k, v in size.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise KernelError(f"size {k}={v!r} is not a positive integer")
    dims = claim.sizes.dims
    if set(size) != set(dims):
        raise KernelError(f"size {size!r} does not give the claim's dimensions {sorted(dims)}")
    for k in claim.sizes.fixed:
        if size[k] not in tuple(dims[k]):
            raise KernelError(f"the claim is about {k} in {tuple(dims[k])}, not {k} = {size[k]}")
    return dict(size)


def _rational(name: str, text) -> sp.Rational:
    try:
        v = sp.Rational(str(text))
    except (TypeError, ValueError, SyntaxError):
        raise KernelError(f"the point's {name} = {text!r} is not an exact rational") from None
    return v


def _witness(claim, sigma):
    if claim.activation == "abstract" and claim.model is not None:
        if sigma is None:
            return None  # σ may not be evaluated: the exact model raises if the claim meets σ after all
        if not sigma or not all(isinstance(c, int) and not isinstance(c, bool) for c in sigma):
            raise KernelError(f"the witness σ {sigma!r} is not a polynomial with integer coefficients")
        return tuple(sigma)
    if sigma is not None:
        raise KernelError(f"the claim fixes σ = {claim.activation}; a witness σ is outside its domain")
    return None


def _loss_witness(claim, loss):
    """A witness loss is in the claim's domain only when the claim's loss is abstract (any loss)."""
    if loss is None:
        return None
    model = claim.model
    if model is None or model.output is None or model.loss is not None or claim.loss not in (None, "abstract"):
        raise KernelError(f"the claim fixes its loss; a witness loss {loss!r} is outside its domain")
    if not loss or not all(isinstance(c, int) and not isinstance(c, bool) for c in loss):
        raise KernelError(f"the witness loss {loss!r} is not a polynomial with integer coefficients")
    return tuple(loss)


def _exact_model(claim, size: dict, values: dict, witness=None, loss_witness=None, order: int = 0,
                 seeded: frozenset = frozenset()) -> ExactModel:
    """The claim's model at ``size`` with every input an exact value, its σ and conventions as declared."""
    return ExactModel(claim.model, n=size.get("n", 1), t=size.get("t", 1), m=size.get("m", 1),
                      activation=claim.activation, loss=claim.loss,
                      layout=claim.conventions.get("layout", "row-major"), witness=witness, values=values,
                      loss_witness=loss_witness, conventions=claim.conventions, order=order, seeded=seeded)


#: the one line naming a derivative beyond the kernel's jets
BEYOND_JETS = (f"a derivative of order {MAX_ORDER + 1} or more, or a derivative of a derivative with respect to a "
               "quantity: beyond the kernel's jets")


def _model_check(claim, size: dict, values: dict, witness, loss):
    """The check on the exact model; one that differentiates an expression of the parameters runs again on the
    jet model (order 1) with those parameters seeded (the set grows with each parameter a run asks for), and one
    that differentiates a derivative of one at order 2."""
    order, seeded = 0, frozenset()
    for _ in range(len(claim.model.params) + MAX_ORDER + 2):
        try:
            with literal():  # the kernel reads the check as Python does (notation.literal)
                return claim.check(_exact_model(claim, size, values, witness, loss, order, seeded))
        except NeedsJets as e:
            order, seeded = max(order, 1), seeded | {e.wrt}
        except NeedsOrder:
            if order == MAX_ORDER:
                raise Unsupported(BEYOND_JETS) from None
            order += 1
    raise Unsupported("the check asks for more runs of the jet model than it has parameters")


def _sides(out) -> tuple[sp.Matrix, sp.Matrix]:
    out = two_sides(out)

    def one(x):
        x = value_of(x)
        if isinstance(x, sp.MatrixBase):
            return sp.Matrix(x)
        if isinstance(x, (int, sp.Basic)) and not isinstance(x, bool):
            return sp.Matrix([[x]])
        raise KernelError(f"a side is a {type(x).__name__}, not a matrix or an exact number")

    return one(out[0]), one(out[1])


def _exact(e: sp.Expr, values: dict) -> sp.Expr:
    """The entry as an exact number: a user's own symbols take the point's values, by name."""
    e = sp.sympify(e)
    if e.has(sp.Float):
        raise KernelError(f"{e} contains a float")
    by_name: dict = {}
    for s in e.free_symbols:
        if s.name in by_name and by_name[s.name] != s:
            raise KernelError(f"two different symbols are both named {s.name}")
        by_name[s.name] = s
    missing = sorted(n for n in by_name if n not in values)
    if missing:
        raise KernelError(f"the point gives no value for {', '.join(missing[:3])}")
    e = e.xreplace({s: values[n] for n, s in by_name.items()})
    if e.has(sp.zoo, sp.nan, sp.oo):
        raise KernelError("a denominator is 0 at the point: the sides are undefined there")
    undefined = e.atoms(sp.core.function.AppliedUndef)
    if undefined:
        raise KernelError(f"{sorted(map(str, undefined))[0]} has no value (an abstract function)")
    return e


def verify_identity(claim, cert) -> Verification:
    """Does the certificate refute the identity ``claim``? (see the module docstring)"""
    try:
        size = _size(claim, cert)
        witness = _witness(claim, cert.sigma)
        loss = _loss_witness(claim, getattr(cert, "loss", None))
        values = {name: _rational(name, v) for name, v in cert.point.items()}
        premises = []
        if claim.model is not None:
            out = _model_check(claim, size, values, witness, loss)
        elif getattr(claim, "variables", None) is not None:  # free vectors and matrices: kernel/free.py
            *out, premises = run_free_check(claim, size, values)
            out = tuple(out)
        else:
            with literal():  # the kernel reads the check as Python does (notation.literal)
                out = claim.check(**size)
        lhs, rhs = _sides(out)
        same_shape(lhs.shape, rhs.shape)
        if cert.entry is None or len(cert.entry) != 2:
            raise KernelError("the certificate names no entry")
        i, j = cert.entry
        if not (0 <= i < lhs.rows and 0 <= j < lhs.cols):
            raise KernelError(f"entry {tuple(cert.entry)} is outside the {lhs.rows}×{lhs.cols} sides")
        lv, rv = _exact(lhs[i, j], values), _exact(rhs[i, j], values)
    except KernelError as e:
        return Verification(False, str(e))
    except Exception as e:  # the check itself raised at the point: not a refutation
        return Verification(False, f"the check does not run at the point: {type(e).__name__}: {e}")
    for name, mine, recorded in (("lhs", lv, cert.lhs), ("rhs", rv, cert.rhs)):
        try:
            s = sign(mine - recorded_number(recorded))
        except Exception:
            return Verification(False, f"recorded {name} {recorded!r} is not an exact number")
        # the verdict rests on the kernel's own values below; a recorded value is refused when it provably
        # differs (exactly, or by disjoint arb balls). Equal closed forms written differently (exp(2)/(1 + E)
        # against its expansion) cannot always be proved equal, and are then consistent to 1024 bits
        if s is not None and s != 0:
            return Verification(False, f"recorded {name} {recorded} is not the recomputed {sp.sstr(mine)}")
    s = sign(lv - rv)
    if s is None:
        return Verification(False, "the difference could not be separated from 0 by rigorous enclosures")
    if s == 0:
        return Verification(False, "both sides are equal at the point")
    d = lv - rv
    where = f"; premises: {', '.join(premises)} (exact)" if premises else ""
    if d.is_Rational:
        return _refuted(claim, size, f"lhs − rhs = {sp.sstr(d)} ≠ 0 at entry {tuple(cert.entry)}, by exact "
                                     f"rational arithmetic (truth by forward mode over ℚ){where}")
    return _refuted(claim, size, f"lhs − rhs {'>' if s > 0 else '<'} 0 at entry {tuple(cert.entry)}, by arb ball "
                                 f"arithmetic (truth by forward mode over exact numbers){where}")


# ----- relations and limits -------------------------------------------------------


def unflatten(point: dict, shapes: dict) -> dict:
    """A certificate's flat point ("W[0,1]" -> "1/2") and shapes back into named exact values."""

    def one(name):
        shape = shapes[name]
        if isinstance(shape, dict):
            return tuple(one(e) for e in shape["tuple"])
        if shape is None:
            return _rational(name, point[name])
        r, c = shape
        return sp.Matrix(r, c, lambda i, j: _rational(name, point[f"{name}[{i},{j}]"]))

    parts = {e for sh in shapes.values() if isinstance(sh, dict) for e in sh["tuple"]}
    return {name: one(name) for name in shapes if name not in parts}


def _dim(d, size: dict) -> int:
    return size.get(d, 1) if isinstance(d, str) else int(d)


def _family(name: str, M: sp.Matrix) -> bool:
    """Does M belong to the named structured family? (decided exactly)"""
    n = M.rows
    if name == "general":
        return True
    if name == "jordan":  # one Jordan block λI + N, N the ones above the diagonal
        return all(M[i, j] == (M[0, 0] if i == j else 1 if j == i + 1 else 0) for i in range(n) for j in range(n))
    if name == "diagonal":
        return M.is_diagonal()
    if name == "triangular":
        return M.is_upper
    if name == "nilpotent":
        return (M ** n).is_zero_matrix
    if name == "rank-one":
        return M.rank() <= 1
    if name == "spd":
        return M.is_symmetric() and all(M[:k, :k].det() > 0 for k in range(1, n + 1))
    if name == "orthogonal":
        return M.T * M == sp.eye(n)
    if name == "rotation":
        return M.T * M == sp.eye(n) and M.det() == 1
    raise KernelError(f"matrix family {name!r} is unknown to the kernel")


def premise(strategy, value, size: dict) -> str:
    """Check that ``value`` lies in the search domain ``strategy`` declares; say how (or raise)."""
    kind = type(strategy).__name__
    if isinstance(strategy, Matrices):
        r = _dim(strategy.rows, size)
        c = r if strategy.cols is None else _dim(strategy.cols, size)
        if not isinstance(value, sp.MatrixBase) or value.shape != (r, c):
            raise KernelError(f"a {r}×{c} matrix was expected")
        fams = tuple(strategy.families)
        if not any(_family(f, value) for f in fams):
            raise KernelError(f"the value is in none of the families {', '.join(fams)}")
        return "any matrix" if "general" in fams else f"in {' or '.join(fams)}"
    if isinstance(strategy, Vectors):
        r = _dim(strategy.rows, size)
        if not isinstance(value, sp.MatrixBase) or value.shape != (r, 1):
            raise KernelError(f"an {r}-vector was expected")
        if strategy.nonzero and value.is_zero_matrix:
            raise KernelError("a nonzero vector was expected")
        return "nonzero vector" if strategy.nonzero else "vector"
    if isinstance(strategy, Diagonals):
        r = _dim(strategy.rows, size)
        lo, hi = sp.Rational(strategy.lo), sp.Rational(strategy.hi)
        if not isinstance(value, sp.MatrixBase) or value.shape != (r, r) or not value.is_diagonal():
            raise KernelError(f"an {r}×{r} diagonal matrix was expected")
        if not all(lo <= value[i, i] <= hi for i in range(r)):
            raise KernelError(f"a diagonal entry is outside [{lo}, {hi}]")
        return f"diagonal in [{lo}, {hi}]"
    if isinstance(strategy, Scalars):
        lo, hi = sp.Rational(strategy.lo), sp.Rational(strategy.hi)
        if isinstance(value, sp.MatrixBase) or not (lo <= value <= hi):
            raise KernelError(f"a number in [{lo}, {hi}] was expected")
        if strategy.integer and not sp.sympify(value).is_Integer:
            raise KernelError("an integer was expected")
        return f"in [{lo}, {hi}]"
    if isinstance(strategy, Just):
        if sp.sympify(strategy.value) != sp.sympify(value):
            raise KernelError("the value is not the one the proof file names")
        return "the named witness"
    if isinstance(strategy, Sampled):
        return "from the proof file's own sampler (its premises are the check's assume(...) hypotheses)"
    raise KernelError(f"search domain {kind} is unknown to the kernel")


def _inputs(cell, values: dict) -> dict:
    """Named values that are a model's inputs (W, h0, x1), as entry values (W[0,1], h0[0])."""
    out = {}
    for name, v in values.items():
        if cell.input_of(name) is not None and isinstance(v, sp.MatrixBase):
            for i in range(v.rows):
                for j in range(v.cols):
                    out[entry_name(name, v.rows, v.cols, i, j)] = v[i, j]
    return out


def _run_check(claim, size: dict, values: dict, witness: tuple | None = None):
    from ..relations import collect_assumptions

    params = inspect.signature(claim.check).parameters
    extra = {k: v for k, v in size.items() if k in params}
    args = ()
    if claim.model is not None:
        args = (_exact_model(claim, size, _inputs(claim.model, values), witness=witness),)
    try:
        return collect_assumptions(claim.check, *args, **values, **extra)
    except NeedsJets as e:  # a relation's sides are exact numbers: the jet model's values are not read there
        raise Unsupported(f"m.d of an expression (w.r.t. {e.wrt}) in a relation claim: the kernel replays a "
                          "relation's derivatives of quantities (name, k) and of functions of the model only") from None


def with_witness_sigma(obj, sig):
    """``obj`` (a check's return value, a hypothesis, or any part of them) with every application of the abstract
    σ^(k) replaced by the witness polynomial's k-th derivative at its argument, innermost first.

    A claim about an abstract σ is a claim about every differentiable σ, so one polynomial σ at which it is false
    refutes it: a polynomial is differentiable, and its derivatives at the claim's finitely many points are its
    own (nothing else ties σ's values together)."""
    import dataclasses

    from ..functions import _SigmaDerivative

    if isinstance(obj, sp.MatrixBase):
        return obj.applyfunc(lambda e: with_witness_sigma(e, sig))
    if isinstance(obj, sp.Basic):
        return obj.replace(lambda e: isinstance(e, _SigmaDerivative),
                           lambda e: sig.derivative(e.args[0], type(e).derivative_order))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: with_witness_sigma(getattr(obj, f.name), sig)
                                           for f in dataclasses.fields(obj) if f.init})
    if type(obj) in (list, tuple):
        return type(obj)(with_witness_sigma(x, sig) for x in obj)
    return obj


def verify_relation(claim, cert) -> Verification:
    """Re-check a relation or limit certificate at its recorded values, rigorously."""
    try:
        return _verify_relation(claim, cert)
    except Exception as e:  # a corrupted certificate is rejected, never a crash
        return Verification(False, f"the certificate does not replay: {type(e).__name__}: {e}")


def _verify_relation(claim, cert) -> Verification:
    from ..relations import Limit

    try:
        size = _size(claim, cert)
        values = unflatten(cert.point, cert.shapes)
        if set(values) != set(claim.given):
            raise KernelError(f"the certificate gives {sorted(values)}, the claim searches {sorted(claim.given)}")
        domain = [f"{k}: {premise(claim.given[k], v, size)}" for k, v in values.items()]
        witness = None if cert.sigma is None else tuple(int(c) for c in cert.sigma)
        out, hyps = _run_check(claim, size, values, witness)
        if witness is not None:  # a claim about every σ, refuted at one polynomial σ: the model's σ is it, and so
            sig = PolynomialSigma(witness)  # is any σ the check applies itself
            out, hyps = with_witness_sigma(out, sig), [with_witness_sigma(h, sig) for h in hyps]
            domain.append(str(sig))
        steps = dict(relations_of(out))
    except KernelError as e:
        return Verification(False, str(e))
    except Exception as e:  # the recorded values do not even fit the claim
        return Verification(False, f"the recorded values do not evaluate: {type(e).__name__}: {e}")
    if cert.step not in steps:
        return Verification(False, f"the claim has no step {cert.step!r}")
    for h in hyps:
        d = decide(h)
        if d.value is not True:
            return Verification(False, f"hypothesis {h.label or str(h)} is not certified to hold "
                                       f"({'it fails' if d.value is False else d.how})")
    rel = steps[cert.step]
    where = f" (domain: {'; '.join(domain)})" if domain else ""
    if isinstance(rel, Limit):
        d, g = decide_limit(rel)
        if g.poly != cert.rhs_approx or g.factor != cert.lhs_approx:
            return Verification(False, f"recorded growth {cert.lhs_approx} (minimal polynomial {cert.rhs_approx}) "
                                       f"is not the recomputed {g.factor} ({g.poly})")
        if d.value is not False:
            return Verification(False, f"the limit is not refuted: {d.how}")
        return _refuted(claim, size, f"{d.lhs}, not {rel.to!r}: {d.how}{where}", cert.step)
    d = decide(rel)
    for name, recorded, mine in (("lhs", cert.lhs, rel.lhs), ("rhs", cert.rhs, rel.rhs)):
        if not matches(recorded, mine):
            return Verification(False, f"recorded {name} {recorded} is not the recomputed value")
    if d.value is not False:
        return Verification(False, "the relation is not refuted at the recorded values: "
                                   + ("it holds" if d.value else d.how))
    return _refuted(claim, size, f"{rel.lhs.approx():.6g} {rel.op} {rel.rhs.approx():.6g} is false: {d.how}{where}",
                    cert.step)


# ----- reach: is every operation of a check one the kernel replays? --------------------------------------------


def _probe_value(i: int, j: int, square: bool) -> sp.Rational:
    """A generic exact value: positive, and a square matrix strictly diagonally dominant (so invertible)."""
    if square and i == j:
        return sp.Integer(8)
    return sp.Rational(1, 2 + i + 2 * j)


def probe_point(claim, size: dict) -> dict:
    """A point giving every input of the claim a generic exact value (entry name -> rational)."""
    from .free import _entry_name

    n, m = size.get("n", 1), size.get("m", 1)
    out: dict = {}

    def fill(name, rows, cols, namer):
        for i in range(rows):
            for j in range(cols):
                out[namer(i, j)] = _probe_value(i, j, rows == cols)

    if getattr(claim, "variables", None) is not None:
        for name, var in claim.variables.items():
            r, c = (1, 1) if var.kind == "scalar" else var.shape(size)
            fill(name, r, c, lambda i, j, name=name, var=var: _entry_name(name, var.kind, i, j))
            if getattr(var, "sign", 0) < 0:  # a scalar declared negative: a value in its domain
                out[name] = -out[name]
        return out
    cell = claim.model
    from ..cells import dimension

    for name, (r, c) in cell.params.items():
        r, c = dimension(r, n=n, m=m), dimension(c, n=n, m=m)
        fill(name, r, c, lambda i, j, name=name, r=r, c=c: entry_name(name, r, c, i, j))
    for s in cell.state:
        fill(f"{s}0", n, 1, lambda i, j, s=s: entry_name(f"{s}0", n, 1, i, j))
    outputs = dimension(cell.outputs, n=n, m=m) if getattr(cell, "outputs", None) is not None else n
    for k in range(1, size.get("t", 1) + 1):
        fill(f"x{k}", m, 1, lambda i, j, k=k: entry_name(f"x{k}", m, 1, i, j))
        fill(f"y{k}", outputs, 1, lambda i, j, k=k: entry_name(f"y{k}", outputs, 1, i, j))
    return out


def probe(claim, size: dict) -> str | None:
    """The one line naming an operation of the claim's check that the kernel never replays (an unknown function, a
    method its values lack, a third derivative, ...), found by running the check on the kernel at a generic point
    (a cell with σ abstract, tanh, the logistic function or the identity: on the model of the kernel's random check
    at a fixed seed, where σ, tanh, the logistic function, exp and log are random functions keeping their
    differential equations, the same operations as with the true functions but without SymPy's evalf questions
    about sums of their closed forms, seconds a claim); None when it runs there, or stops only at something
    particular to that point (a kink, a singular matrix).

    For the engine to refuse such a claim before any verdict: whatever it would find, the kernel could not certify
    a counterexample. Identity claims only (a relation's values are exact numbers, not the kernel's). Wired into
    the kernel's own confirmation (:func:`.random_check.confirm_identity`): a normal form's (or F_p's) ``holds`` is
    not backed when the probe names such an operation; the engine's refusal before any verdict calls it too once
    the engine does (its identity path is outside the kernel)."""
    if claim.kind != "identity" or (claim.model is None and getattr(claim, "variables", None) is None):
        return None
    try:
        from .random_check import RANDOM_ACTIVATIONS, _trial

        if claim.model is not None and claim.activation not in RANDOM_ACTIVATIONS:  # the true σ (the kernel
            # refuses an unknown one)
            values = probe_point(claim, size)
            witness = (0, 1) if claim.activation == "abstract" else None
            model = claim.model
            loss = (0, 0, 1) if (model.output is not None and model.loss is None
                                 and claim.loss in (None, "abstract")) else None
            _model_check(claim, size, values, witness, loss)
        elif claim.model is not None:
            # the model the kernel's random check runs (random_check._trial: σ, tanh, the logistic function, exp
            # and log random functions keeping their differential equations), at a fixed seed: the same operations
            # as the exact model with the true functions, without SymPy's questions about sums of their closed
            # forms (is 0·tanh(…) finite? is a sum of them positive?), which cost seconds of evalf a claim
            import random

            try:
                _trial(claim, size, random.Random(0))
            except NeedsOrder:
                raise Unsupported(BEYOND_JETS) from None
        elif getattr(claim, "variables", None) is not None:
            from .free import abstract_sigma

            values = probe_point(claim, size)
            with abstract_sigma(lambda k, a: sp.Rational(1, (k[1] if isinstance(k, tuple) else k) + 2)):  # σ^(k) a generic value: σ is replayed
                run_free_check(claim, size, values)
    except Unsupported as e:
        return str(e).splitlines()[0] if str(e) else type(e).__name__
    except Exception:  # particular to the point, or the check's own error: the engine reports those itself
        return None
    return None
