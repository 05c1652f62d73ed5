"""The kernel's ℤ/p reading of free-variable claims beyond its exact reach (issue 19, item 2; kernel/free_modular.py).

A free-variable identity at n > REACH outside the every-n fragment was `holds` on the normal form, named in
``trusted``. Now the kernel runs the check on jets of residues modulo a fresh prime, bounds the error with its own
forward mode, and shows a point with a value where a log, a root or a division was met: ``trusted`` is empty and
the scope names ℤ/p and the bound. A false claim (a finder that says "equal" wrongly, a reader that misreads) is
not `holds`; a claim with no value anywhere is not `holds`.
"""
from __future__ import annotations

import random

import pytest
import sympy as sp

from symderiv import eye, kron, matrix, tr, vector
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.functions import dsigma, sigma
from symderiv.kernel import free, free_modular
from symderiv.kernel.random_check import FREE_MODULAR_BITS, REACH, confirm_identity
from symderiv.results import Verdict
from symderiv.sizes import sweep

BEYOND = REACH["n"] + 2


def free_claim(check, variables, n, cid="t.free-modular"):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, sizes=sweep(n=(n,)))


A = dict(A=matrix("n"))
AB = dict(A=matrix("n"), B=matrix("n"))
X = dict(x=vector("n"))
XA = dict(x=vector("n"), A=matrix("n"))


def _inv_by_entries(v):
    Ai = v.A.inv()
    return sp.Matrix(v.n, v.n, lambda i, j: sum(v.A[i, k] * Ai[k, j] for k in range(v.n))), eye(v.n)


def _sq(v):
    return sum(v.x[i] ** 2 for i in range(v.n))


#: true claims outside the every-n fragment, each class written two ways
TRUE = {
    "A[0,0]·I = I·A[0,0]": (A, lambda v: (v.A[0, 0] * eye(v.n), eye(v.n) * v.A[0, 0])),
    "A[0,0] = row 0's first entry": (A, lambda v: (v.A[0, 0], v.A.row(0)[0])),
    "tr A = Σ A[i,i]": (A, lambda v: (tr(v.A), sum(v.A[i, i] for i in range(v.n)))),
    "Σ A[i,i] = tr Aᵀ": (A, lambda v: (sum((v.A[i, i] for i in range(v.n)), 0), tr(v.A.T))),
    "n·xᵀx = Σ n·x_i²": (X, lambda v: (v.n * (v.x.T * v.x)[0, 0], v.n * _sq(v))),
    "xᵀx·(1/n)·n = Σ x_i²": (X, lambda v: ((v.x.T * v.x)[0, 0] * sp.Rational(1, v.n) * v.n, _sq(v))),
    "A·A⁻¹ = I by entries": (A, _inv_by_entries),
    "A⁻¹·A = I": (A, lambda v: (v.A.inv() * v.A, eye(v.n))),
    "∂xᵀAx/∂x = (A + Aᵀ)x": (XA, lambda v: (v.d((v.x.T * v.A * v.x)[0, 0], "x"), (v.A + v.A.T) * v.x)),
    "∂Σ x_i³/∂x = 3x∘x": (X, lambda v: (v.d(sum(v.x[i] ** 3 for i in range(v.n)), "x"),
                                         sp.Matrix(v.n, 1, lambda i, j: 3 * v.x[i] ** 2))),
    "√(1 + xᵀx) two ways": (X, lambda v: (sp.sqrt(1 + (v.x.T * v.x)[0, 0]), (1 + _sq(v)) ** sp.Rational(1, 2))),
    "∂√(1 + xᵀx)/∂x = √(1 + xᵀx)·x/(1 + xᵀx)": (X, lambda v: (
        v.d(sp.sqrt(1 + (v.x.T * v.x)[0, 0]), "x"), sp.sqrt(1 + _sq(v)) * v.x / (1 + _sq(v)))),
    "log(1 + xᵀx) two ways": (X, lambda v: (sp.log(1 + (v.x.T * v.x)[0, 0]), sp.log(1 + _sq(v)))),
    "∂log(1 + xᵀx)/∂x = 2x/(1 + xᵀx)": (X, lambda v: (
        v.d(sp.log(1 + (v.x.T * v.x)[0, 0]), "x"), 2 * v.x / (1 + _sq(v)))),
    "∂²Σ x_i³/∂x² = diag(6x)": (X, lambda v: (v.d(v.d(sum(v.x[i] ** 3 for i in range(v.n)), "x"), "x"),
                                              sp.diag(*[6 * v.x[i] for i in range(v.n)]))),
    "∂²(x₀x₁)/∂x² = e₀e₁ᵀ + e₁e₀ᵀ": (X, lambda v: (v.d(v.d(v.x[0] * v.x[1], "x"), "x"),
                                                  sp.Matrix(v.n, v.n, lambda i, j: int({i, j} == {0, 1})))),
    "∂Σ σ(x_i)/∂x = σ'(x) by entries": (X, lambda v: (v.d(sum(sigma(v.x[i]) for i in range(v.n)), "x"),
                                                      sp.Matrix(v.n, 1, lambda i, j: dsigma(v.x[i])))),
    "∂Σ tanh(x_i)/∂x = 1 − tanh²": (X, lambda v: (v.d(sum(sp.tanh(v.x[i]) for i in range(v.n)), "x"),
                                                   sp.Matrix(v.n, 1, lambda i, j: 1 - sp.tanh(v.x[i]) ** 2))),
    "∂Σ e^(x_i)/∂x = e^x by entries": (X, lambda v: (v.d(sum(sp.exp(v.x[i]) for i in range(v.n)), "x"),
                                                     sp.Matrix(v.n, 1, lambda i, j: sp.exp(v.x[i])))),
}
#: (I ⊗ A)(I ⊗ B) at n = 8 only (n² × n² products: 262 144 jet products at n = 8)
KRON = {
    "(I ⊗ A)(I ⊗ B) = I ⊗ AB": (AB, lambda v: (kron(eye(v.n), v.A) * kron(eye(v.n), v.B), kron(eye(v.n), v.A * v.B))),
    "(I ⊗ A)(I ⊗ B)[0:n, 0:n] = AB": (AB, lambda v: ((kron(eye(v.n), v.A) * kron(eye(v.n), v.B))[0:v.n, 0:v.n],
                                                     v.A * v.B)),
}


def _confirmed(tok, how):
    assert tok is not None, how
    assert tok.trusts == (), (tok.trusts, how)
    assert tok.error == (FREE_MODULAR_BITS, 1) and tok.degree is not None and tok.degree < 2 ** FREE_MODULAR_BITS
    assert "ℤ/p" in how and f"2^−{FREE_MODULAR_BITS}" in how


@pytest.mark.parametrize("n", [BEYOND, 12, 16])
@pytest.mark.parametrize("name", list(TRUE))
def test_a_true_claim_outside_the_fragment_is_confirmed_over_z_p(name, n):
    variables, check = TRUE[name]
    _confirmed(*confirm_identity(free_claim(check, variables, n), {"n": n}))


@pytest.mark.parametrize("name", list(KRON))
def test_kron_products_at_n_8(name):
    variables, check = KRON[name]
    _confirmed(*confirm_identity(free_claim(check, variables, BEYOND), {"n": BEYOND}))


@pytest.mark.parametrize("name", ["A[0,0]·I = I·A[0,0]", "tr A = Σ A[i,i]", "n·xᵀx = Σ n·x_i²", "∂Σ x_i³/∂x = 3x∘x",
                                  "log(1 + xᵀx) two ways"])
def test_the_engine_says_holds_and_trusts_nothing(name):
    variables, check = TRUE[name]
    r = check_claim(free_claim(check, variables, BEYOND))
    assert r.verdict == Verdict.HOLDS and not r.every_n, r.scope
    assert r.trusted == [], (r.trusted, r.scope)
    (o,) = r.sizes
    assert o.kernel is not None and o.kernel.trusts == (), r.scope
    assert (o.kernel.error_bits, o.kernel.trials) == (FREE_MODULAR_BITS, 1) and o.kernel.degree is not None
    assert "ℤ/p" in o.kernel.how


#: false claims, each a slip the finder could wave through
FALSE = {
    "A[0,1] = A[1,0]": (A, lambda v: (v.A[0, 1], v.A[1, 0])),
    "A = Aᵀ": (A, lambda v: (v.A, v.A.T)),
    "tr(AB) = tr A · tr B": (AB, lambda v: (tr(v.A * v.B), tr(v.A) * tr(v.B))),
    "AB = BA by entries": (AB, lambda v: ((v.A * v.B)[0, 1], (v.B * v.A)[0, 1])),
    "∂xᵀAx/∂x = 2Ax": (XA, lambda v: (v.d((v.x.T * v.A * v.x)[0, 0], "x"), 2 * v.A * v.x)),
    "A⁻¹ = Aᵀ": (A, lambda v: (v.A.inv(), v.A.T)),
    "∂²Σ x_i³/∂x² = diag(3x)": (X, lambda v: (v.d(v.d(sum(v.x[i] ** 3 for i in range(v.n)), "x"), "x"),
                                             sp.diag(*[3 * v.x[i] for i in range(v.n)]))),
    "∂Σ σ(x_i)/∂x = σ(x)": (X, lambda v: (v.d(sum(sigma(v.x[i]) for i in range(v.n)), "x"),
                                          sp.Matrix(v.n, 1, lambda i, j: sigma(v.x[i])))),
}


@pytest.mark.parametrize("name", list(FALSE))
def test_a_false_claim_is_not_confirmed(name):
    variables, check = FALSE[name]
    tok, how = confirm_identity(free_claim(check, variables, BEYOND), {"n": BEYOND})
    assert tok is None, how
    assert "ℤ/p" in how


@pytest.mark.parametrize("name", ["A[0,1] = A[1,0]", "tr(AB) = tr A · tr B", "∂xᵀAx/∂x = 2Ax"])
def test_a_planted_finder_bug_is_caught(name, monkeypatch):
    # the normal form's decider says every entry is 0: the kernel's own ℤ/p check must reject the false claim
    from symderiv import engine

    monkeypatch.setattr(engine, "nonzero_entries", lambda *a, **k: [])
    variables, check = FALSE[name]
    r = check_claim(free_claim(check, variables, BEYOND))
    assert r.verdict != Verdict.HOLDS, r.scope


def test_a_planted_bug_in_the_reader_is_caught(monkeypatch):
    # the ℤ/p reading's transpose read as the identity: A = Aᵀ would pass; so would a residue sum read as a product
    variables, check = FALSE["A = Aᵀ"]
    claim = free_claim(check, variables, BEYOND)
    assert confirm_identity(claim, {"n": BEYOND})[0] is None
    monkeypatch.setattr(free.JetMatrix, "T", property(lambda self: self))
    tok, _ = confirm_identity(claim, {"n": BEYOND})
    assert tok is not None  # the planted bug is seen by this test: the reader is what decides


def test_a_planted_bug_in_the_residues_is_caught(monkeypatch):
    # a residue's product read as its sum: the false x₀x₁ = x₀ + x₁ would pass, so the false claims above see it
    claim = free_claim(lambda v: (v.x[0] * v.x[1], v.x[0] + v.x[1]), X, BEYOND)
    assert confirm_identity(claim, {"n": BEYOND})[0] is None
    R = free_modular.Residue
    monkeypatch.setattr(R, "__mul__", lambda self, o: R(self.v + self._of(o).v, self.p, self.deg)
                        if not isinstance(o, free.Jet) else NotImplemented)
    monkeypatch.setattr(R, "__rmul__", R.__mul__)
    tok, how = confirm_identity(claim, {"n": BEYOND})
    assert tok is not None, how


NOWHERE = {
    "log(−1 − xᵀx)": (X, lambda v: (sp.log(-1 - (v.x.T * v.x)[0, 0]), sp.log(-1 - (v.x.T * v.x)[0, 0]))),
    "log(−1 − Σ x_i²)·x": (X, lambda v: (sp.log(-1 - _sq(v)) * v.x, v.x * sp.log(-1 - _sq(v)))),
    "√(−1 − xᵀx)": (X, lambda v: (sp.sqrt(-1 - (v.x.T * v.x)[0, 0]), (-1 - _sq(v)) ** sp.Rational(1, 2))),
}


@pytest.mark.parametrize("name", list(NOWHERE))
def test_a_claim_with_no_value_anywhere_is_not_holds(name):
    variables, check = NOWHERE[name]
    tok, how = confirm_identity(free_claim(check, variables, BEYOND), {"n": BEYOND})
    assert tok is None, how
    r = check_claim(free_claim(check, variables, BEYOND))
    assert r.verdict != Verdict.HOLDS, r.scope


UNREAD = {
    "|x_0| two ways": (X, lambda v: (sp.Abs(v.x[0]), sp.Abs(v.x[0]))),
    "max(x_0, x_1) two ways": (X, lambda v: (sp.Max(v.x[0], v.x[1]), sp.Max(v.x[1], v.x[0]))),
    "(√s)² = s (a law the random root forgets)": (X, lambda v: (sp.sqrt(1 + _sq(v)) ** 2, 1 + _sq(v))),
}


@pytest.mark.parametrize("name", list(UNREAD))
def test_what_the_reading_cannot_read_keeps_todays_token(name):
    # |·|, max, min: the degree is not bounded (refused); a root's law: a difference decides nothing. Either way the
    # size keeps the token it had: the normal form, trusted and named (never a Python exception, never less)
    variables, check = UNREAD[name]
    tok, how = confirm_identity(free_claim(check, variables, BEYOND), {"n": BEYOND})
    assert tok is not None and tok.trusts and "normal form" in tok.trusts[0], how


@pytest.mark.parametrize("divisor", [
    lambda v: (v.x[0] + 1) ** 2 - v.x[0] ** 2 - 2 * v.x[0] - 1,  # 0 as a polynomial, not structurally
    lambda v: (v.x.T * v.x)[0, 0] - sum(v.x[i] ** 2 for i in range(v.n)),
])
def test_a_zero_divisor_everywhere_is_not_confirmed_over_z_p(divisor):
    # every draw meets a divisor ≡ 0: no ℤ/p token; the size keeps today's (its exact look for a point with a value)
    claim = free_claim(lambda v: (1 / divisor(v), 0), X, BEYOND)
    assert free_modular.trial(claim, {"n": BEYOND}, random.Random(0), 4) is None
    tok, how = confirm_identity(claim, {"n": BEYOND})
    assert tok is None or (tok.trusts and "ℤ/p" not in how), how


def test_a_pivot_zero_as_a_function_keeps_todays_token():
    # M = P + (A − A), P a cyclic permutation: M[0, 0] = a − a is 0 as a function but not structurally, so the
    # elimination (which branches on structural zeros only: one program at every point) pivots on it, every draw
    # fails, and the size keeps the normal form's token, named; it never says the claim has no value
    def check(v):
        P = sp.Matrix(v.n, v.n, lambda i, j: 1 if j == (i + 1) % v.n else 0)
        M = P + (v.A - v.A)
        return M.inv() * M, eye(v.n)

    tok, how = confirm_identity(free_claim(check, A, BEYOND), {"n": BEYOND})
    assert tok is not None and tok.trusts and "normal form" in tok.trusts[0], how


PROOF = '''
import sympy as sp
from symderiv import claim, sweep, vector, matrix

@claim("pf.log", where="test", statement="log of a positive expression, two ways", sizes=sweep(n=(8,)),
       variables=dict(x=vector("n")))
def log_two_ways(v):
    return sp.log(1 + (v.x.T * v.x)[0, 0]), sp.log(1 + sum(v.x[i] ** 2 for i in range(v.n)))

@claim("pf.sqrt", where="test", statement="a root of a positive expression, two ways", sizes=sweep(n=(8,)),
       variables=dict(x=vector("n")))
def sqrt_two_ways(v):
    return sp.sqrt(2 + v.x[0] ** 2) * v.x, v.x * (2 + v.x[0] ** 2) ** sp.Rational(1, 2)

@claim("pf.inv", where="test", statement="A A^-1 by entries", sizes=sweep(n=(8,)),
       variables=dict(A=matrix("n")))
def inverse(v):
    Ai = v.A.inv()
    return sp.Matrix(v.n, v.n, lambda i, j: sum(v.A[i, k] * Ai[k, j] for k in range(v.n))), sp.eye(v.n)

@claim("pf.nolog", where="test", statement="log of a negative expression", sizes=sweep(n=(8,)),
       variables=dict(x=vector("n")))
def nowhere(v):
    return sp.log(-1 - (v.x.T * v.x)[0, 0]) * v.x, v.x * sp.log(-1 - sum(v.x[i] ** 2 for i in range(v.n)))
'''


def test_a_proof_file_check_runs_guarded(tmp_path):
    # a proof file's check is rewritten by the guard (concrete.py), whose domain check asks a kernel value's point:
    # a residue answers None there (its domain is shown by the witness), never a TypeError
    from symderiv.claims import collect

    f = tmp_path / "free_modular_proof.py"
    f.write_text(PROOF)
    items = collect([f]).items
    for cid in ("pf.log", "pf.sqrt", "pf.inv"):
        _confirmed(*confirm_identity(items[cid], {"n": BEYOND}))
    tok, how = confirm_identity(items["pf.nolog"], {"n": BEYOND})
    assert tok is None, how


# ----- the bound: at least the true degree of a nonzero difference ---------------------------------------------------

def _true_degree(claim, size) -> int:
    """max over entries of deg N + deg M of lhs − rhs = N/M in lowest terms, from the kernel's degree run (its jets
    over symbols, as random_check.degree_infos runs them)."""
    from symderiv.kernel import dual
    from symderiv.kernel import random_check as rc
    from symderiv.kernel.check import _sides

    fresh, exact = rc._Fresh(), dual.number
    dual.number = free.number = fresh.number(exact)
    try:
        out, _ = rc._trial(claim, size, random.Random(0), draw=fresh)
    finally:
        dual.number = free.number = exact
    lhs, rhs = _sides(out)
    syms = sorted(fresh.symbols, key=sp.default_sort_key)
    best = 0
    for a, b in zip(lhs, rhs):
        num, den = sp.fraction(sp.cancel(sp.together(a - b)))
        if num != 0:
            best = max(best, sp.Poly(num, *syms).total_degree() + sp.Poly(den, *syms).total_degree())
    return best


def _bound(claim, size) -> int:
    from symderiv.kernel import modular

    got = free_modular.trial(claim, size, random.Random(1), 4)
    assert got is not None
    _, _, ldeg, rdeg, _, _ = got
    return modular._dtotal(modular._dadd(ldeg, rdeg))


POLYNOMIAL_FALSE = ["A[0,1] = A[1,0]", "tr(AB) = tr A · tr B", "AB = BA by entries", "∂xᵀAx/∂x = 2Ax", "A⁻¹ = Aᵀ",
                    "∂²Σ x_i³/∂x² = diag(3x)"]


@pytest.mark.parametrize("name", POLYNOMIAL_FALSE)
def test_the_bound_is_at_least_the_true_degree(name):
    variables, check = FALSE[name]
    claim = free_claim(check, variables, 2)
    true, bound = _true_degree(claim, {"n": 2}), _bound(claim, {"n": 2})
    assert true >= 1 and bound >= true, (true, bound)


def test_a_planted_bug_in_the_bound_is_caught(monkeypatch):
    # a product's degree read as the larger factor's (max for +): the bound falls below the true degree
    from symderiv.kernel import modular

    def dmul(a, b):
        if a is None or b is None:
            return None
        if a == modular.UNB or b == modular.UNB:
            return modular.UNB
        return tuple(max(x, y) for x, y in zip(a[:4], b[:4])) + (a[4] * b[4],)

    monkeypatch.setattr(free_modular, "_dmul", dmul)
    low = [n for n in POLYNOMIAL_FALSE
           if _bound(free_claim(FALSE[n][1], FALSE[n][0], 2), {"n": 2})
           < _true_degree(free_claim(FALSE[n][1], FALSE[n][0], 2), {"n": 2})]
    assert low, "the planted bound bug was not seen"
