import sympy as sp
import pytest

from symderiv import HV, diag, eye, kron, product, total, vec


def test_hv_is_n_by_n_blocks_of_v_transpose():
    v = sp.Matrix([1, 2, 3])
    H = HV(v)
    assert H.shape == (3, 9)
    for i in range(3):
        for b in range(3):
            assert list(H[i, 3 * b:3 * b + 3]) == [1, 2, 3]


def test_product_order_is_explicit():
    A, B = sp.Matrix([[1, 1], [0, 1]]), sp.Matrix([[1, 0], [1, 1]])
    f = {1: A, 2: B}.get
    assert product(f, 1, 2, order="descending", size=2) == B * A
    assert product(f, 1, 2, order="ascending", size=2) == A * B
    assert product(f, 3, 2, order="ascending", size=2) == eye(2)
    with pytest.raises(ValueError):
        product(f, 1, 2, order="upwards", size=2)


def test_vec_layouts():
    W = sp.Matrix([[1, 2], [3, 4]])
    assert list(vec(W, "row-major")) == [1, 2, 3, 4]
    assert list(vec(W, "col-major")) == [1, 3, 2, 4]
    # the vec identity vec(A X B) = (Bᵀ ⊗ A) vec(X) holds in the column-major layout
    A, X, B = sp.Matrix([[1, 2], [0, 1]]), sp.Matrix([[2, 0], [1, 3]]), sp.Matrix([[1, 1], [2, 0]])
    assert vec(A * X * B, "col-major") == kron(B.T, A) * vec(X, "col-major")
    assert vec(A * X * B, "row-major") == kron(A, B.T) * vec(X, "row-major")


def test_total_and_diag():
    assert total([], (2, 3)) == sp.zeros(2, 3)
    assert diag(sp.Matrix([1, 2])) == sp.Matrix([[1, 0], [0, 2]])
