"""The HTML report (issue 22, item 4): self-contained, mathematics set by the bundled KaTeX, one section per
claim with its worked counterexample, a filter and colour by outcome. The browser check is
``benchmarks/html_screenshot.py`` (headless Chromium; a screenshot to look at)."""
import re
import textwrap
from html.parser import HTMLParser

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.report.html import outcome, to_html
from symderiv.results import Result, Verdict

PROOF = textwrap.dedent('''\
    from symderiv import claim, vector, matrix, sweep

    @claim("h.wrong", where="<b>§1</b>", statement="d(xᵀAx)/dx = 2Ax <script>alert(1)</script>",
           variables=dict(x=vector("n"), A=matrix("n", "n")), sizes=sweep(n=(1, 2)))
    def wrong(v):
        return v.d(v.x.T * v.A * v.x, "x"), 2 * v.A * v.x

    @claim("h.right", where="§2", statement="d(xᵀAx)/dx = (A + Aᵀ)x",
           variables=dict(x=vector("n"), A=matrix("n", "n")), sizes=sweep(n=(1, 2)))
    def right(v):
        return v.d(v.x.T * v.A * v.x, "x"), (v.A + v.A.T) * v.x

    @claim("h.expected-fail", where="§3", statement="x = 2x", expect="fails",
           variables=dict(x=vector("n")), sizes=sweep(n=(1,)))
    def expected_fail(v):
        return v.x, 2 * v.x
''')


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("h") / "proof.py"
    path.write_text(PROOF)
    col = collect([path])
    results = [check_claim(c) for c in col.claims()]
    return results, to_html(results, [("broken.py:3", "SyntaxError: <oops>")], {"seed": 0})


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(doc):
    p = _Tags()
    p.feed(doc)
    return p.tags


def test_the_page_is_self_contained(page):
    _, doc = page
    tags = _tags(doc)
    assert not [t for t, a in tags if t == "script" and a.get("src")]        # every script inline
    assert not [t for t, a in tags if t == "link"]                            # no stylesheet fetched
    assert not re.search(r"url\((?!data:)", doc)                              # every font a data: URI
    assert "data:font/woff2;base64," in doc and "katex.render" in doc


def test_one_section_per_claim_with_its_outcome(page):
    results, doc = page
    sections = [a for t, a in _tags(doc) if t == "section"]
    assert [s["data-outcome"] for s in sections] == [outcome(r) for r in results]
    got = {r.id: outcome(r) for r in results}
    assert got == {"h.wrong": "differs", "h.right": "expected", "h.expected-fail": "expected"}


def test_a_counterexample_is_worked_out_with_mathematics(page):
    results, doc = page
    wrong = next(r for r in results if r.id == "h.wrong")
    assert wrong.verdict == Verdict.FAILS and wrong.counterexample is not None
    section = doc.split("id='claim-h.wrong'")[1].split("</section>")[0]
    assert "<details class='counterexample'>" in section and "reproduce:" in section
    assert re.search(r'class="tex[^"]*" data-tex="[^"]+"', section)


def test_text_from_the_proof_file_is_escaped(page):
    _, doc = page
    assert "<script>alert(1)</script>" not in doc and "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "<b>§1</b>" not in doc and "&lt;oops&gt;" in doc


def test_the_filter_offers_each_outcome_with_its_count(page):
    results, doc = page
    buttons = [a["data-f"] for t, a in _tags(doc) if t == "button"]
    assert buttons == ["all", "expected", "differs", "error"]
    assert "differs (1)" in doc and "as expected (2)" in doc


@pytest.mark.parametrize("verdict,expected,want", [
    (Verdict.FAILS, Verdict.FAILS, "expected"), (Verdict.HOLDS, Verdict.FAILS, "differs"),
    (Verdict.ERROR, None, "error"), (Verdict.UNDECIDED, None, "differs")])
def test_outcome_classes(verdict, expected, want):
    r = Result(id="c", verdict=verdict, expected=expected, source="f.py:1", where="", statement="", conventions={})
    assert outcome(r) == want
