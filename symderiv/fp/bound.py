"""The error bound of one trial (see the package docstring, "The error bound")."""
from __future__ import annotations

import math
from fractions import Fraction

from .field import MAX_BITS, N_PRIMES_LO, PRIME_LO


# ----- the error bound -------------------------------------------------------------------------------

def _pair_terms(groups: list) -> tuple[int, int]:
    """Σ over pairs of sites of max(D_i, D_j), and of ⌊(1 + c_i + c_j)/62⌋ (c = ⌈h + d⌉ of the argument)."""
    by_deg: dict[int, int] = {}
    by_bits: dict[int, int] = {}
    dmax = max((g[1] for g in groups), default=0)
    n_all = s_d = s_c = s_dc = 0
    for count, deg, h, d, *rest in groups:
        C, G = rest if rest else (0, 0.0)  # Σ c, Σ g of the reciprocals the argument may contain
        by_deg[deg] = by_deg.get(deg, 0) + count
        c = math.ceil(max(h, 0.0) + d + dmax * G)
        by_bits[c] = by_bits.get(c, 0) + count
        n_all, s_d, s_c, s_dc = n_all + count, s_d + count * deg, s_c + count * C, s_dc + count * deg * C
    deg_sum, seen = 0, 0
    for deg in sorted(by_deg):
        c = by_deg[deg]
        deg_sum += deg * (c * (c - 1) // 2 + c * seen)
        seen += c
    if s_c:  # rational arguments: Σ_pairs (D_i + D_j)(C_i + C_j) on top of Σ_pairs max(D_i, D_j)
        deg_sum += (n_all - 2) * s_dc + s_d * s_c
    primes = 0
    items = sorted(by_bits.items())
    if items and 1 + 2 * items[-1][0] >= 62:
        for i, (ca, na) in enumerate(items):
            primes += na * (na - 1) // 2 * ((1 + 2 * ca) // 62)
            for cb, nb in items[i + 1:]:
                primes += na * nb * ((1 + ca + cb) // 62)
    return deg_sum, primes


#: random functions whose table is mirrored (S(−a) = −S(a), S(0) = 0: the sign atom of |·|, max and min): two
#: sites also collide where u_i + u_j vanishes, and one where u_i does, so their pair terms count twice and each site
#: once more on its own (its degree, the primes dividing its content)
MIRRORED = ("sign",)


def _single_terms(groups: list) -> tuple[int, int]:
    """Σ over sites of D_i, and of ⌊c_i/62⌋ (the event u_i ≡ 0 at the point, for a mirrored table)."""
    deg = primes = 0
    dmax = max((g[1] for g in groups), default=0)
    for count, d_, h, d, *rest in groups:
        C, G = rest if rest else (0, 0.0)
        deg += count * (d_ + d_ * C)
        primes += count * _content(math.ceil(max(h, 0.0) + d + dmax * G))
    return deg, primes


def _content(bits: float) -> int:
    """How many primes ≥ 2⁶² can divide a nonzero integer of absolute value ≤ 2^bits."""
    return math.floor(bits / 62) if bits >= 62 else 0


def trial_error(degree: int, height: float, sites: dict, dens=(), recips=None) -> tuple[float, dict]:
    """−log₂ of ε, the bound on one trial passing a false identity (module docstring), and its parts.

    ``recips`` (group -> (entries, c, g)): the quotients' reciprocal sites. Their values are field
    inverses, not random, so they add no pair; the difference's numerator once they are cleared has
    degree ≤ D (1 + Σ c) and height ≤ H + D Σ g, and the trial is drawn again when a denominator is 0
    at the point, which divides the bound by P(no denominator is 0) ≥ 1 − ε − δ (module docstring).
    """
    pair_deg, pair_primes = 0, 0
    for name, groups in sites.items():
        a, b = _pair_terms(groups)
        if name in MIRRORED:  # u_i − u_j and u_i + u_j (the same degree and height bounds), and each u_i alone
            sd, sp_ = _single_terms(groups)
            a, b = 2 * a + sd, 2 * b + sp_
        pair_deg += a
        pair_primes += b
    excluded = sum(int(math.log2(q)) // 62 for q in dens)
    n_primes = N_PRIMES_LO - excluded
    recips = recips or {}
    c_all = sum(cnt * c for cnt, c, g in recips.values())
    g_all = sum(cnt * g for cnt, c, g in recips.values())
    num_degree, num_height = degree * (1 + c_all), height + degree * g_all
    content = _content(num_height)  # primes ≥ 2⁶² dividing a nonzero |c| ≤ 2^H
    eps = (Fraction(num_degree + pair_deg, PRIME_LO)
           + Fraction(content + pair_primes, n_primes))
    parts = {"D": degree, "pairs_degree": pair_deg, "H": height, "content_primes": content,
             "pair_primes": pair_primes, "excluded_primes": excluded}
    if recips:
        delta = sum(cnt * (Fraction(c, PRIME_LO) + Fraction(_content(g), n_primes)) for cnt, c, g in recips.values())
        parts.update(reciprocals=sum(cnt for cnt, c, g in recips.values()), numerator_degree=num_degree,
                     numerator_height=num_height, zero_denominator=float(delta))
        eps = eps / (1 - eps - delta) if eps + delta < 1 else Fraction(1)
    if eps >= 1:
        return 0.0, parts
    if eps == 0:  # a constant difference below 2⁶² in absolute value, and no σ site: it cannot vanish mod p
        return float(MAX_BITS), parts
    # −log₂ ε rounded down, so the stated bound is never better than the true one
    return min(float(MAX_BITS), math.floor(-math.log2(eps) * 1e6) / 1e6), parts
