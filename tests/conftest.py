import pytest

from symderiv.claims import Claim
from symderiv.sizes import sweep


@pytest.fixture
def make_claim():
    def make(check, *, model=None, n=(1, 2, 3), t=(1, 2, 3, 4), **kw):
        from symderiv import pal2019_rnn

        return Claim(id=kw.pop("id", "test.claim"), where="test", statement="test", check=check,
                     model=model or pal2019_rnn, sizes=sweep(n=n, t=t), conventions={"layout": "row-major"}, **kw)

    return make


@pytest.fixture(autouse=True)
def _no_verdict_cache(monkeypatch):
    """Tests compute their verdicts: the verdict cache is off (tests/test_cache.py turns it on where it is tested)."""
    monkeypatch.setenv("SYMDERIV_NO_CACHE", "1")
