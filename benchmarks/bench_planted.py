"""Why exact matters, measured: planted errors in the BPTT closed form vs numerical gradient checks.

Run: ``python benchmarks/bench_planted.py``. Writes its section of benchmarks/RESULTS.md.

The model is pal2019's h_k = W σ(h_{k−1}) + c_k with the loss E = uᵀ h_t. Each
variant is a wrong closed form of dh_t/dW (row-major). For each variant and
each t ∈ {5, 10, 20, 40, 80, 160}:

* **symderiv**: the variant transcribed as a claim (abstract σ) and checked at
  n = 4 and that t; detected when the verdict is ``fails`` (the randomized exact
  backend disagrees, then a counterexample is certified at a small size);
* **float64**: σ = tanh, W ~ N(0, 1/n), over several seeds, uᵀ·variant compared
  with a central-difference gradient of E (step 1e-6) by
  ``numpy.allclose(rtol=1e-3, atol=1e-5)``; detected when not close;
* **mpmath, 50 digits**: the same with step 1e-20 and tolerance 1e-25 (relative
  and absolute), the central-difference error being ~1e-40.

A detection rate is the fraction of seeds where the check rejects the variant.
"""
from __future__ import annotations

import platform
import sys
import time
from pathlib import Path
from results_section import write_section

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TS = (5, 10, 20, 40, 80, 160)
SEEDS = range(5)
N = 4

# knobs of a closed form Σ_{k∈K} Π_{r=k+1+lo}^{t} F_r · B(v_k) (+ the last term B(v_{t}))
TRUE = dict(order="descending", transpose=False, ks="all", last=True, dshift=0, vshift=0, d="dsigma", v="sigma",
            block="eye-row", lo=0, side="right", extra_w=False, twice_last=False)
VARIANTS = {
    "true closed form": {},
    "ascending product order": dict(order="ascending"),
    "transposed W": dict(transpose=True),
    "dropped k = 1 term": dict(ks="drop-first"),
    "dropped k = 1 … t/2": dict(ks="drop-half"),
    "truncated to the last 3 steps": dict(ks="last-3"),
    "dropped the k = t term": dict(last=False),
    "off-by-one σ' index (h_r)": dict(dshift=1),
    "off-by-one σ index in the block (h_k)": dict(vshift=1),
    "σ in place of σ'": dict(d="sigma"),
    "σ' in place of σ in the block": dict(v="dsigma"),
    "missing diag(σ')": dict(d="none"),
    "HV in place of I ⊗ vᵀ": dict(block="hv"),
    "column-major block vᵀ ⊗ I": dict(block="row-eye"),
    "product starts one step late": dict(lo=1),
    "product starts one step early": dict(lo=-1),
    "diag(σ') left of W": dict(side="left"),
    "W² in each factor": dict(extra_w=True),
    "h in place of σ(h) in the block": dict(v="identity"),
    "k = t term counted twice": dict(twice_last=True),
    "only the k = t term (no BPTT)": dict(ks="none"),
    "both σ indices shifted": dict(dshift=1, vshift=1),
}


def knobs(name):
    return {**TRUE, **VARIANTS[name]}


def ks_of(kind, t):
    return {"all": range(1, t), "drop-first": range(2, t), "drop-half": range(t // 2 + 1, t),
            "last-3": range(max(1, t - 3), t), "none": range(1, 1)}[kind]


# ----- the variants as symderiv claims ------------------------------------------------

def symbolic(m, k):
    from symderiv import HV, diag, eye, kron, product, total

    n, t = m.n, m.t
    W = m.W_R.T if k["transpose"] else m.W_R
    fn = {"sigma": m.sigma, "dsigma": m.dsigma, "identity": lambda v: v}
    blocks = {"eye-row": lambda v: kron(eye(n), v.T), "hv": HV, "row-eye": lambda v: kron(v.T, eye(n))}
    blk = blocks[k["block"]]

    def factor(r):
        idx = min(r - 1 + k["dshift"], t)
        Wf = W * W if k["extra_w"] else W
        if k["d"] == "none":
            return Wf
        D = diag(fn[k["d"]](m.h(idx)))
        return Wf * D if k["side"] == "right" else D * Wf

    def v(kk):
        return fn[k["v"]](m.h(min(kk - 1 + k["vshift"], t)))

    terms = [product(factor, kk + 1 + k["lo"], t, order=k["order"], size=n) * blk(v(kk)) for kk in ks_of(k["ks"], t)]
    out = total(terms, (n, n * n))
    if k["last"]:
        out = out + blk(v(t))
    if k["twice_last"]:
        out = out + blk(v(t))
    return out


def claim_for(name):
    from symderiv.claims import Claim
    from symderiv.cells import pal2019_rnn
    from symderiv.sizes import sweep

    k = knobs(name)
    return Claim(id=f"planted.{name}", where="bench", statement=name, model=pal2019_rnn,
                 check=lambda m: (m.d(("h", m.t), "W_R"), symbolic(m, k)),
                 sizes=sweep(n=(1, 2, 3), t=(1, 2, 3, 4, 5, 6)), conventions={"layout": "row-major"})


# ----- the variants in floating point (float64 NumPy, or mpmath at 50 digits) -------------

class Arith:
    def __init__(self, kind):
        self.kind = kind
        if kind == "mp":
            import mpmath

            self.mp = mpmath.mp.clone()
            self.mp.dps = 50

    def mat(self, rows):
        if self.kind == "f64":
            import numpy as np

            return np.array(rows, dtype=float)
        return self.mp.matrix(rows)

    def mm(self, a, b):
        return a @ b if self.kind == "f64" else a * b

    def ew(self, fn, v):
        if self.kind == "f64":
            import numpy as np

            return {"tanh": np.tanh, "dtanh": lambda x: 1 - np.tanh(x) ** 2, "id": lambda x: x}[fn](v)
        f = {"tanh": self.mp.tanh, "dtanh": lambda x: 1 - self.mp.tanh(x) ** 2, "id": lambda x: x}[fn]
        return v.apply(f)

    def T(self, a):
        return a.T

    def entries(self, a):
        return [a[i, j] for i in range(a.rows if self.kind == "mp" else a.shape[0])
                for j in range(a.cols if self.kind == "mp" else a.shape[1])]

    def shape(self, a):
        return (a.rows, a.cols) if self.kind == "mp" else a.shape

    def kron(self, a, b):
        (ra, ca), (rb, cb) = self.shape(a), self.shape(b)
        return self.mat([[a[i // rb, j // cb] * b[i % rb, j % cb] for j in range(ca * cb)] for i in range(ra * rb)])

    def diag(self, v):
        n = self.shape(v)[0]
        return self.mat([[v[i, 0] if i == j else 0 for j in range(n)] for i in range(n)])

    def eye(self, n):
        return self.mat([[1 if i == j else 0 for j in range(n)] for i in range(n)])

    def zeros(self, r, c):
        return self.mat([[0] * c for _ in range(r)])

    def ones(self, r, c):
        return self.mat([[1] * c for _ in range(r)])


def trajectory(A, W, cs, h0, t):
    hs = [h0]
    for k in range(1, t + 1):
        hs.append(A.mm(W, A.ew("tanh", hs[-1])) + cs[k])
    return hs


def numeric_variant(A, W, hs, u, k, t):
    n = A.shape(W)[0]
    Wv = A.T(W) if k["transpose"] else W
    fn = {"sigma": "tanh", "dsigma": "dtanh", "identity": "id"}
    blocks = {"eye-row": lambda v: A.kron(A.eye(n), A.T(v)), "hv": lambda v: A.kron(A.ones(n, n), A.T(v)),
              "row-eye": lambda v: A.kron(A.T(v), A.eye(n))}
    blk = blocks[k["block"]]

    def factor(r):
        idx = min(r - 1 + k["dshift"], t)
        Wf = A.mm(Wv, Wv) if k["extra_w"] else Wv
        if k["d"] == "none":
            return Wf
        D = A.diag(A.ew(fn[k["d"]], hs[idx]))
        return A.mm(Wf, D) if k["side"] == "right" else A.mm(D, Wf)

    def v(kk):
        return A.ew(fn[k["v"]], hs[min(kk - 1 + k["vshift"], t)])

    factors = {r: factor(r) for r in range(1, t + 1)}
    row = A.zeros(1, n * n)
    for kk in ks_of(k["ks"], t):
        lo = kk + 1 + k["lo"]
        rs = range(t, lo - 1, -1) if k["order"] == "descending" else range(lo, t + 1)
        g = u
        for r in rs:
            g = A.mm(g, factors[r])
        row = row + A.mm(g, blk(v(kk)))
    if k["last"]:
        row = row + A.mm(u, blk(v(t)))
    if k["twice_last"]:
        row = row + A.mm(u, blk(v(t)))
    return A.entries(row)


def finite_difference(A, W, cs, h0, u, t, eps):
    n = A.shape(W)[0]
    out = []
    for i in range(n):
        for j in range(n):
            vals = []
            for s in (1, -1):
                Wp = W.copy()
                Wp[i, j] = Wp[i, j] + s * eps
                vals.append(A.entries(A.mm(u, trajectory(A, Wp, cs, h0, t)[-1]))[0])
            out.append((vals[0] - vals[1]) / (2 * eps))
    return out


def draw(seed, t):
    import numpy as np

    rng = np.random.default_rng(seed)
    W = rng.standard_normal((N, N)) / np.sqrt(N)
    cs = [None] + [rng.standard_normal((N, 1)) for _ in range(t)]
    return W, cs, rng.standard_normal((N, 1)), rng.standard_normal((1, N))


def numeric_checks(t, seed):
    """{variant: (float64 detects, mpmath detects)} for one t and seed."""
    import numpy as np

    W, cs, h0, u = draw(seed, t)
    out = {}
    for kind in ("f64", "mp"):
        A = Arith(kind)
        Wk = A.mat(W.tolist())
        csk = [None] + [A.mat(c.tolist()) for c in cs[1:]]
        h0k, uk = A.mat(h0.tolist()), A.mat(u.tolist())
        eps = 1e-6 if kind == "f64" else A.mp.mpf("1e-20")
        fd = finite_difference(A, Wk, csk, h0k, uk, t, eps)
        hs = trajectory(A, Wk, csk, h0k, t)
        for name in VARIANTS:
            val = numeric_variant(A, Wk, hs, uk, knobs(name), t)
            if kind == "f64":
                close = np.allclose(np.array(val, dtype=float), np.array(fd, dtype=float), rtol=1e-3, atol=1e-5)
            else:
                tol = A.mp.mpf("1e-25")
                close = all(abs(a - b) <= tol + tol * abs(b) for a, b in zip(val, fd))
            out.setdefault(name, {})[kind] = not close
    return out


def main() -> str:
    from symderiv.engine import check_claim

    t_start = time.perf_counter()
    exact: dict = {}
    for name in VARIANTS:
        claim = claim_for(name)
        for t in TS:
            r = check_claim(claim, n=[N], t=[t], backend="fp")
            exact[(name, t)] = r.verdict.value
        print(name, [exact[(name, t)] for t in TS], flush=True)
    rates: dict = {}
    for t in TS:
        for seed in SEEDS:
            for name, det in numeric_checks(t, seed).items():
                for kind, d in det.items():
                    rates.setdefault((name, t, kind), []).append(d)
        print("numeric t =", t, flush=True)

    def cell(name, t):
        s = exact[(name, t)]
        sym = {"fails": "✔", "holds": "holds", "undecided": "?", "error": "error"}[s]
        f64 = sum(rates[(name, t, "f64")])
        mp = sum(rates[(name, t, "mp")])
        k = len(SEEDS)
        return f"{sym} · {f64}/{k} · {mp}/{k}"

    rows = [f"| {name} | " + " | ".join(cell(name, t) for t in TS) + " |" for name in VARIANTS]
    planted = [n for n in VARIANTS if n != "true closed form"]
    missed = sum(1 for n in planted for t in TS if exact[(n, t)] != "fails")
    text = "\n".join([
        "<!-- planted -->",
        "## Why exact matters: planted errors against numerical gradient checks",
        "",
        f"`python benchmarks/bench_planted.py` on {platform.machine()}, {time.strftime('%Y-%m-%d')} "
        f"({time.perf_counter() - t_start:.0f} s). n = {N}; {len(planted)} wrong variants of the closed form "
        f"of dh_t/dW_R and the true one. Each cell: symderiv's verdict (✔ = `fails`: detected, with a "
        f"certified counterexample) · how many of {len(SEEDS)} seeds a float64 central-difference gradient check "
        "(`allclose`, rtol 1e-3, atol 1e-5) rejected the variant · the same for a 50-digit mpmath check "
        "(step 1e-20, tolerance 1e-25). σ = tanh, W ~ N(0, 1/n) for the numerical checks; symderiv checks for "
        "every σ.",
        "",
        f"symderiv missed {missed} of {len(planted) * len(TS)} (variant, t) pairs; the true closed form holds "
        f"at every t: {all(exact[('true closed form', t)] == 'holds' for t in TS)}.",
        "",
        "| variant | " + " | ".join(f"t = {t}" for t in TS) + " |",
        "|---|" + "---|" * len(TS),
        *rows,
        "<!-- /planted -->",
    ])
    return write_section("planted", text)


if __name__ == "__main__":
    main()
