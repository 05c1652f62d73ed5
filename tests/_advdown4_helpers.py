"""Helpers in another module that read the step index (tests/test_adversarial_advdown4.py): each is 1 at k = 6 (or
T = 6) on the sweep's int, and is refused at a symbolic index once the guard rewrites it on its first call."""
import sympy as sp

SPECIAL = {6}


def bump_in(k, n):
    return sp.ones(n, 1) * (1 if k in SPECIAL else 0)


def bump_str(k, n):
    return sp.ones(n, 1) * (1 if str(k) == "6" else 0)


def bump_isinstance(k, n):
    return sp.ones(n, 1) * (1 if isinstance(k, int) and k == 6 else 0)


def bump_list(k, n):
    return sp.ones(n, 1) * ([0] * 6 + [1] + [0] * 10)[k]
