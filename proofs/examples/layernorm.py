"""Layer normalization (Ba, Kiros & Hinton 2016, "Layer Normalization", arXiv:1607.06450): Table 1's
invariance to rescaling a single training case.

LN(x) = (x − μ(x)·1)/σ(x) with μ(x) = (1/n)Σᵢ xᵢ and σ(x) = √((1/n)Σᵢ (xᵢ − μ(x))²) (eq. 4, without the gain and
bias, which act after the normalization and do not change the invariance; without the ε that implementations
add). Table 1 marks LayerNorm invariant to "single training case re-scaling": x ↦ λx with λ a scalar. σ(λx) =
√(λ²)·σ(x) = |λ|·σ(x), so LN(λx) = sign(λ)·LN(x): invariant for λ > 0, negated for λ < 0. The claims declare
λ's sign as a domain (``scalar(positive=True)``); the normal form reduces √(λ²v) to λ√v under it. At n = 1 the
variance is 0 and LN is 0/0, so the sweep starts at n = 2.
"""
import sympy as sp

from symderiv import claim, scalar, sweep, vector

SIZES = sweep(n=(2, 3, 4))


def layer_norm(x):
    n = x.rows
    centred = x - (sum(x) / n) * sp.ones(n, 1)
    return centred / sp.sqrt(sum(c ** 2 for c in centred) / n)


@claim("layernorm.rescale-positive", where="Ba et al. (2016), Table 1 (single training case re-scaling)",
       statement="LN(λx) = LN(x) for λ > 0", sizes=SIZES,
       variables=dict(x=vector("n"), lam=scalar(positive=True)))
def rescale_positive(v):
    return layer_norm(v.lam * v.x), layer_norm(v.x)


@claim("layernorm.rescale-negative", where="Ba et al. (2016), Table 1, read for every scalar",
       statement="LN(λx) = LN(x) for λ < 0 (false: LN(λx) = −LN(x))", sizes=SIZES, expect="fails",
       why="σ(λx) = |λ|σ(x), so LN(λx) = sign(λ)·LN(x): a negative λ flips the sign of every entry",
       variables=dict(x=vector("n"), lam=scalar(negative=True)))
def rescale_negative(v):
    return layer_norm(v.lam * v.x), layer_norm(v.x)


@claim("layernorm.rescale-negative-flips", where="Ba et al. (2016), Table 1, the negative case",
       statement="LN(λx) = −LN(x) for λ < 0", sizes=SIZES,
       variables=dict(x=vector("n"), lam=scalar(negative=True)))
def rescale_negative_flips(v):
    return layer_norm(v.lam * v.x), -layer_norm(v.x)


@claim("layernorm.std-rescale", where="Ba et al. (2016), eq. (4): σ of a rescaled case",
       statement="σ(λx) = |λ|·σ(x) for every real λ (√(λ²v) = |λ|√v)", sizes=SIZES,
       variables=dict(x=vector("n"), lam=scalar()))
def std_rescale(v):
    def std(x):
        n = x.rows
        return sp.sqrt(sum((e - sum(x) / n) ** 2 for e in x) / n)
    return std(v.lam * v.x), sp.Abs(v.lam) * std(v.x)
