"""The sides one expression at a symbolic t: the every-n lift takes the same road as the induction (noticed last
session: X_t = X_t + 0·X_t held for every t, and its lift said "not confirmed at n = 3, so it is no formal
identity", a wrong reason). Siblings written other ways lift; one true only at n = 1 never does; a false one fails.
"""
import pytest
import sympy as sp

from symderiv import eye, pal2019_rnn
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.every_n import SAME_ARGUMENT
from symderiv.results import Verdict
from symderiv.sizes import sweep


def _claim(check, n=(1, 2), t=(1, 2, 3)):
    return Claim(id="t.same", where="test", statement="test", check=check, model=pal2019_rnn,
                 conventions={"vec": "row-major"}, sizes=sweep(n=n, t=t))


def X(m):
    return m.d(("h", m.t), "W_R")


SAME = {
    "X + 0·X": lambda m: (X(m), X(m) + 0 * X(m)),
    "2X − X": lambda m: (X(m), 2 * X(m) - X(m)),
    "(X + X)/2": lambda m: ((X(m) + X(m)) / 2, X(m)),
    "I·X": lambda m: (eye(m.n) * X(m), X(m)),
    "(Xᵀ)ᵀ": lambda m: (X(m).T.T, X(m)),
    "dh/dh_0 twice": lambda m: (m.d(("h", m.t), ("h", 0)), 3 * m.d(("h", m.t), ("h", 0)) - 2 * m.d(("h", m.t), ("h", 0))),
}


@pytest.mark.parametrize("name", list(SAME))
def test_one_expression_at_a_symbolic_t_holds_for_every_n_and_every_t(name):
    res = check_claim(_claim(SAME[name]))
    assert res.verdict == Verdict.HOLDS and res.every_t and res.every_n, (res.verdict, res.scope)
    assert tuple(res.argument) == SAME_ARGUMENT  # typed: the argument the lift took


def test_one_expression_true_only_at_n_1_is_never_lifted():
    """h_t h_tᵀ = (h_tᵀ h_t) I at n = 1 only: X_t and h_t h_tᵀ X_t / (h_tᵀ h_t) … written as a difference that is 0
    at n = 1 only."""
    def check(m):
        h = m.h(m.t)
        return X(m), X(m) + (h * h.T - (h.T * h)[0, 0] * eye(m.n)) * X(m)
    res = check_claim(_claim(check, n=(1,)))
    assert res.verdict == Verdict.HOLDS and not res.every_n, res.scope
    assert check_claim(_claim(check, n=(1, 2))).verdict == Verdict.FAILS


def test_a_false_multiple_fails():
    res = check_claim(_claim(lambda m: (X(m), X(m) + sp.Rational(1, 2) * X(m))))
    assert res.verdict == Verdict.FAILS


def test_every_argument_is_data_on_the_result_not_read_from_the_scope():
    """explain shows the argument the lift took (Result.argument), for each road: free, upward, downward, one
    expression; no module picks it by a substring of the scope's prose."""
    import ast
    from pathlib import Path

    from symderiv import every_n
    from symderiv.claims import collect

    root = Path(__file__).resolve().parents[1]
    col = collect([root / "proofs"])
    want = {"pal2019.theorem1.corrected": every_n.MODEL_ARGUMENT, "goodfellow.down.eq10-21": every_n.DOWNWARD_ARGUMENT}
    for cid, arg in want.items():
        res = check_claim(col.items[cid])
        assert res.every_n and tuple(res.argument) == arg, (cid, res.scope)
    for path in (root / "symderiv").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):  # "... in r.scope" / "... in result.scope": choosing by prose
            if isinstance(node, ast.Compare) and any(isinstance(op, ast.In) for op in node.ops):
                for c in node.comparators:
                    if isinstance(c, ast.Attribute) and c.attr == "scope":
                        raise AssertionError(f"{path.name}:{node.lineno} reads the scope's prose")
