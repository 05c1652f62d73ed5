"""Measurement (branch absmax; benchmarks/RESULTS.md, "absmax"): |·|, max, min of a model's values, true through S² = 1 or positivity (TRUE) and false (FALSE), at n = 1, t = 1; n = 2, t = 2; n = 16, t = 8 fixed; and n = 16, t = 8 swept.

Run: symderiv check benchmarks/absmax_cases.py --no-cache --timeout 120 -j 1 (branch absmax: the n = 16 rows of TRUE were
undecided, F_p forgets S² = 1; branch absdec: the kernel's sign split decides them where each entry holds ≤ 8 sign
variables, RESULTS.md "absdec").
"""
import sympy as sp
from symderiv import claim, cell, hadamard, diag, sweep, elman_rnn

A = sp.Abs


@cell("σ cell: h_t = σ(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def sig(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.sigma(s.z)


@cell("tanh cell", params={"W": ("n", "n"), "U": ("n", "m")})
def tanhc(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.tanh(s.z)


@cell("logistic cell", params={"W": ("n", "n"), "U": ("n", "m")})
def logc(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.logistic(s.z)


@cell("relu cell", params={"W": ("n", "n"), "U": ("n", "m")})
def reluc(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.Max(0, v))


def ew(q, fn):
    return q.applyfunc(fn)


def H(m):
    return m.at("h", m.t)


def Z(m):
    return m.at("z", m.t)


SIZES = {"s11": sweep(n=(1,), t=(1,), fixed=("n", "t")), "s22": sweep(n=(2,), t=(2,), fixed=("n", "t")),
         "s168": sweep(n=(16,), t=(8,), fixed=("n", "t"))}

TRUE = {
    "abs2-sig": (sig, lambda m: (hadamard(ew(H(m), A), ew(H(m), A)), hadamard(H(m), H(m)))),
    "abs2-tanh": (tanhc, lambda m: (hadamard(ew(H(m), A), ew(H(m), A)), hadamard(H(m), H(m)))),
    "absprod": (sig, lambda m: (ew(hadamard(Z(m), H(m)), A), hadamard(ew(Z(m), A), ew(H(m), A)))),
    "maxz-z": (sig, lambda m: (ew(Z(m), lambda v: sp.Max(0, v) * v), ew(Z(m), lambda v: sp.Max(0, v) ** 2))),
    "relu-hz": (reluc, lambda m: (hadamard(H(m), Z(m)), hadamard(H(m), H(m)))),
    "abslogistic": (logc, lambda m: (ew(H(m), A), H(m))),
}
FALSE = {
    "max-is-z": (sig, lambda m: (ew(Z(m), lambda v: sp.Max(0, v)), Z(m))),
    "abs-tri": (sig, lambda m: (ew(Z(m) + H(m), A), ew(Z(m), A) + ew(H(m), A))),
    "abstanh-is-tanh": (tanhc, lambda m: (ew(H(m), A), H(m))),
    "relu-nogate": (reluc, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), m.W)),
    "min-logistic": (logc, lambda m: (ew(H(m), lambda v: sp.Min(v, sp.Rational(1, 2))), H(m))),
}

for name, (model, check) in TRUE.items():
    for s, sz in SIZES.items():
        claim(f"meas.{name}.{s}", where="m", statement=name, model=model, sizes=sz,
              conventions={"layout": "row-major"})(check)
for name, (model, check) in FALSE.items():
    for s, sz in SIZES.items():
        claim(f"meas.{name}.{s}", where="m", statement=name, model=model, sizes=sz, expect="fails",
              conventions={"layout": "row-major"})(check)

# a sweep at a large size that is not fixed (F_p there, certification at small sizes first)
for name, (model, check) in {**TRUE, **FALSE}.items():
    claim(f"meas.{name}.s168sweep", where="m", statement=name, model=model, sizes=sweep(n=(16,), t=(8,)),
          expect="fails" if name in FALSE else None, conventions={"layout": "row-major"})(check)
