"""A cached verdict depends on nothing but the claim (finding 6, issue 19): every edit that could change a verdict
is a miss. Each test checks, edits what the claim reads or how it is declared, and checks again: the second run
must recompute (not take the stale entry) and give the verdict a run without the cache gives."""
import json
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from symderiv.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("SYMDERIV_NO_CACHE", raising=False)
    d = tmp_path / "proofs"
    d.mkdir()
    monkeypatch.syspath_prepend(str(d))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    _forget(tmp_path)  # the next test's helpers of the same name are its own


def _forget(project: Path) -> None:
    """As in a fresh process: the project's helper modules are imported again."""
    for name, m in list(sys.modules.items()):
        f = getattr(m, "__file__", None) or ""
        if f.startswith(str(project)) and not name.startswith("symderiv_proofs"):
            del sys.modules[name]


def check(project, *args):
    _forget(project)
    res = CliRunner().invoke(main, ["check", "--format", "json", *args])
    doc = json.loads(res.stdout)
    return res, {c["id"]: c for c in doc["claims"]}


def cached(res) -> int:
    import re

    m = re.search(r"(\d+) of \d+ claims' verdicts from the cache", res.stderr)
    return int(m.group(1)) if m else 0


def write(project, name, text):
    (project / "proofs" / name).write_text(textwrap.dedent(text))


def edit(project, name, old, new):
    f = project / "proofs" / name
    text = f.read_text()
    assert old in text, (old, text)
    f.write_text(text.replace(old, new))


def recheck(project, cid, before="holds"):
    """The run after the edit: recomputed, and the verdict a run without the cache gives (not ``before``)."""
    res, claims = check(project)
    _, fresh = check(project, "--no-cache")
    assert fresh[cid]["verdict"] != before, "the edit must change the verdict for the test to mean anything"
    assert claims[cid]["verdict"] == fresh[cid]["verdict"], f"stale: {claims[cid]['verdict']} from the cache"
    assert cached(res) == 0
    return claims[cid]


def first(project, cid, expect="holds"):
    res, claims = check(project)
    assert claims[cid]["verdict"] == expect, claims[cid]
    res, claims = check(project)
    assert cached(res) == 1, "an unchanged claim is a hit (what it read is recorded stably)"


HEAD = "from symderiv import claim, sweep\n"

# ----- an int constant from a helper module ------------------------------------

CONST_FORMS = {
    "from-import": ("from _consts import SCALE\n", "SCALE"),
    "module-attribute": ("import _consts\n", "_consts.SCALE"),
    "import-in-the-check": ("", "__import__('_consts').SCALE"),
    "through-a-helper": ("from _lib import scale\n", "scale()"),
    "helper-from-import": ("from _lib import SCALE2 as SCALE\n", "SCALE"),
}


@pytest.mark.parametrize("form", CONST_FORMS)
def test_a_helper_modules_constant(project, form):
    imports, use = CONST_FORMS[form]
    write(project, "_consts.py", "SCALE = 2\n")
    write(project, "_lib.py", "from _consts import SCALE\nSCALE2 = SCALE\n\ndef scale():\n    return SCALE\n")
    write(project, "c.py", HEAD + imports + textwrap.dedent(f'''
        @claim("c.k", where="§1", statement="SCALE = 2", sizes=sweep(n=1, t=1))
        def k(**size):
            return {use}, 2
    '''))
    first(project, "c.k")
    edit(project, "_consts.py", "SCALE = 2", "SCALE = 3")
    assert recheck(project, "c.k")["verdict"] == "fails"


LAZY = {"import": "import _consts as c", "__import__": "c = __import__('_consts')",
        "import_module": "import importlib; c = importlib.import_module('_consts')"}


@pytest.mark.parametrize("form", LAZY)
def test_a_helper_imported_inside_the_check_by_two_claims(project, form):
    """The second claim a worker checks imports the module the first one already imported: it depends on it too."""
    write(project, "_consts.py", "SCALE = 2\n")
    write(project, "c.py", HEAD + textwrap.dedent(f'''
        @claim("c.a", where="§1", statement="SCALE = 2", sizes=sweep(n=1, t=1))
        def a(**size):
            {LAZY[form]}
            return c.SCALE, 2

        @claim("c.b", where="§2", statement="SCALE = 2", sizes=sweep(n=1, t=1))
        def b(**size):
            {LAZY[form]}
            return c.SCALE, 2
    '''))
    check(project, "-j", "1")
    edit(project, "_consts.py", "SCALE = 2", "SCALE = 3")
    res, claims = check(project, "-j", "1")
    assert cached(res) == 0 and claims["c.a"]["verdict"] == claims["c.b"]["verdict"] == "fails"


@pytest.mark.parametrize("form", LAZY)
def test_a_helper_imported_inside_the_check_and_already_by_another_file(project, form):
    """The module the check imports was imported when another proof file was collected: it counts all the same."""
    write(project, "_consts.py", "SCALE = 2\n")
    write(project, "a.py", "import _consts\n")
    write(project, "c.py", HEAD + textwrap.dedent(f'''
        @claim("c.a", where="§1", statement="SCALE = 2", sizes=sweep(n=1, t=1))
        def a(**size):
            {LAZY[form]}
            return c.SCALE, 2
    '''))
    first(project, "c.a")
    edit(project, "_consts.py", "SCALE = 2", "SCALE = 3")
    assert recheck(project, "c.a")["verdict"] == "fails"


def test_a_module_constant_computed_at_import_from_the_environment(project, monkeypatch):
    monkeypatch.setenv("SYMDERIV_TEST_SCALE", "2")
    write(project, "c.py", HEAD + textwrap.dedent('''
        import os
        SCALE = int(os.environ["SYMDERIV_TEST_SCALE"])

        @claim("c.k", where="§1", statement="SCALE = 2", sizes=sweep(n=1, t=1))
        def k(**size):
            return SCALE, 2
    '''))
    first(project, "c.k")
    monkeypatch.setenv("SYMDERIV_TEST_SCALE", "3")
    assert recheck(project, "c.k")["verdict"] == "fails"


# ----- the body of a wrapped check -----------------------------------------------

WRAPS = '''
    import functools

    def traced(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kw):
            return fn(*args, **kw)
        return wrapper
'''
PLAIN = '''
    def traced(fn):
        def wrapper(*args, **kw):
            return fn(*args, **kw)
        return wrapper
'''
CLASS = '''
    class traced:
        def __init__(self, fn):
            self.fn = fn

        def __call__(self, *args, **kw):
            return self.fn(*args, **kw)
'''
DECORATORS = {"functools.wraps": (WRAPS, False), "no-wraps": (PLAIN, False), "in-a-helper": (WRAPS, True),
              "no-wraps-in-a-helper": (PLAIN, True), "callable-instance": (CLASS, False)}


@pytest.mark.parametrize("form", DECORATORS)
def test_the_body_of_a_wrapped_check(project, form):
    deco, in_helper = DECORATORS[form]
    if in_helper:
        write(project, "_deco.py", deco)
        deco = "from _deco import traced\n"
    write(project, "c.py", HEAD + textwrap.dedent(deco) + textwrap.dedent('''
        @claim("c.w", where="§1", statement="2 = 2", sizes=sweep(n=1, t=1))
        @traced
        def w(**size):
            return 2, 2
    '''))
    first(project, "c.w")
    edit(project, "c.py", "return 2, 2", "return 2, 3")
    assert recheck(project, "c.w")["verdict"] == "fails"


# ----- the declaration, whatever its form --------------------------------------

LAYOUT = '''
    from symderiv import claim, elman_rnn, eye, kron, sweep

    def explicit(m):
        return m.partial(("z", 1), "W"), kron(m.h(0).T, eye(m.n))

    claim("d.x", where="§1", statement="dz/dW = hᵀ ⊗ I", model=elman_rnn, sizes=sweep(n=(1, 2), t=1),
          conventions={"layout": "col-major"})(explicit)
'''
SIZES = '''
    from symderiv import claim, sweep

    def small(n, t):
        return (n if n < 2 else 0), n

    claim("d.x", where="§1", statement="n = n", sizes=sweep(n=1, t=1), expect="holds")(small)
'''
DECLARATIONS = {
    "conventions": (LAYOUT, '"layout": "col-major"', '"layout": "row-major"'),
    "sizes": (SIZES, "sweep(n=1, t=1)", "sweep(n=(1, 2), t=1)"),
}


@pytest.mark.parametrize("form", DECLARATIONS)
def test_a_call_form_declaration(project, form):
    text, old, new = DECLARATIONS[form]
    write(project, "d.py", text)
    first(project, "d.x")
    edit(project, "d.py", old, new)
    recheck(project, "d.x")


def test_a_call_form_declarations_expectation_and_words(project):
    write(project, "d.py", SIZES)
    first(project, "d.x")
    edit(project, "d.py", 'statement="n = n", sizes=sweep(n=1, t=1), expect="holds"',
         'statement="n equals n", sizes=sweep(n=1, t=1), expect="fails"')
    res, claims = check(project)
    assert cached(res) == 0 and claims["d.x"]["expected"] == "fails" and claims["d.x"]["statement"] == "n equals n"
    assert res.exit_code != 0


def test_a_declaration_made_by_a_helper_function(project):
    """Claims declared in a loop by a function (the value differs by claim): each one's own arguments count."""
    write(project, "d.py", '''
        from symderiv import claim, sweep

        def declare(name, value):
            def check(**size):
                return value, 2
            claim(f"d.{name}", where="§1", statement="value = 2", sizes=sweep(n=1, t=1))(check)

        declare("x", 2)
    ''')
    first(project, "d.x")
    edit(project, "d.py", 'declare("x", 2)', 'declare("x", 3)')
    assert recheck(project, "d.x")["verdict"] == "fails"


# ----- a file the check reads ----------------------------------------------------

READS = {
    "open-json": "json.load(open(DATA))['scale']",
    "pathlib-read-text": "json.loads(pathlib.Path(DATA).read_text())['scale']",
    "relative-open": "json.load(open('proofs/data.json'))['scale']",
    "io-open-bytes": "json.loads(io.open(DATA, 'rb').read())['scale']",
}


@pytest.mark.parametrize("form", READS)
def test_a_file_the_check_reads(project, form):
    (project / "proofs" / "data.json").write_text('{"scale": 2}')
    write(project, "c.py", HEAD + textwrap.dedent(f'''
        import io, json, pathlib, os
        DATA = os.path.join(os.path.dirname(__file__), "data.json")

        @claim("c.f", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def f(**size):
            return {READS[form]}, 2
    '''))
    first(project, "c.f")
    (project / "proofs" / "data.json").write_text('{"scale": 3}')
    assert recheck(project, "c.f")["verdict"] == "fails"


FALLBACKS = {
    "missing-file": ('''
        try:
            scale = json.load(open(DATA))["scale"]
        except FileNotFoundError:
            scale = 2
    ''', None),
    "exists-test": ('''
        scale = json.load(open(DATA))["scale"] if os.path.exists(DATA) else 2
    ''', None),
    "listing": ('''
        scale = 2 + len([p for p in pathlib.Path(DATA).parent.glob("*.json")])
    ''', None),
}


@pytest.mark.parametrize("form", FALLBACKS)
def test_a_file_the_check_looks_for(project, form):
    body, _ = FALLBACKS[form]
    write(project, "c.py", HEAD + textwrap.dedent('''
        import json, os, pathlib
        DATA = os.path.join(os.path.dirname(__file__), "data.json")

        @claim("c.f", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def f(**size):
    ''') + textwrap.indent(textwrap.dedent(body), "    ") + "    return scale, 2\n")
    first(project, "c.f")
    (project / "proofs" / "data.json").write_text('{"scale": 3}')
    assert recheck(project, "c.f")["verdict"] == "fails"


def test_a_file_read_at_import_by_a_helper(project):
    (project / "proofs" / "data.json").write_text('{"scale": 2}')
    write(project, "_data.py", '''
        import json, os
        SCALE = json.load(open(os.path.join(os.path.dirname(__file__), "data.json")))["scale"]
    ''')
    write(project, "c.py", HEAD + textwrap.dedent('''
        from _data import SCALE

        @claim("c.f", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def f(**size):
            return SCALE, 2
    '''))
    first(project, "c.f")
    (project / "proofs" / "data.json").write_text('{"scale": 3}')
    assert recheck(project, "c.f")["verdict"] == "fails"


# ----- an environment variable ---------------------------------------------------

ENV = {
    "os.getenv": "int(os.getenv('SYMDERIV_TEST_SCALE', '2'))",
    "os.environ[]": "int(os.environ['SYMDERIV_TEST_SCALE'])",
    "os.environ.get": "int(os.environ.get('SYMDERIV_TEST_SCALE', '2'))",
    "in": "2 if 'SYMDERIV_TEST_SCALE' not in os.environ else int(os.environ['SYMDERIV_TEST_SCALE'])",
    "copy": "int(dict(os.environ).get('SYMDERIV_TEST_SCALE', '2'))",
}


@pytest.mark.parametrize("form", ENV)
def test_an_environment_variable(project, monkeypatch, form):
    monkeypatch.setenv("SYMDERIV_TEST_SCALE", "2")
    write(project, "c.py", HEAD + textwrap.dedent(f'''
        import os

        @claim("c.e", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def e(**size):
            return {ENV[form]}, 2
    '''))
    first(project, "c.e")
    monkeypatch.setenv("SYMDERIV_TEST_SCALE", "3")
    assert recheck(project, "c.e")["verdict"] == "fails"


def test_an_environment_variable_set_after_being_absent(project, monkeypatch):
    monkeypatch.delenv("SYMDERIV_TEST_SCALE", raising=False)
    write(project, "c.py", HEAD + textwrap.dedent('''
        import os

        @claim("c.e", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def e(**size):
            return int(os.getenv('SYMDERIV_TEST_SCALE', '2')), 2
    '''))
    first(project, "c.e")
    monkeypatch.setenv("SYMDERIV_TEST_SCALE", "3")
    assert recheck(project, "c.e")["verdict"] == "fails"


def test_an_unrelated_edit_is_still_a_hit(project, monkeypatch):
    """What a claim read is recorded precisely: another variable or file changing is not a miss."""
    monkeypatch.setenv("SYMDERIV_TEST_SCALE", "2")
    (project / "proofs" / "data.json").write_text('{"scale": 2}')
    write(project, "c.py", HEAD + textwrap.dedent('''
        import json, os
        DATA = os.path.join(os.path.dirname(__file__), "data.json")

        @claim("c.e", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def e(**size):
            return int(os.getenv('SYMDERIV_TEST_SCALE')) + json.load(open(DATA))["scale"] - 2, 2
    '''))
    first(project, "c.e")
    monkeypatch.setenv("SYMDERIV_TEST_OTHER", "x")
    (project / "proofs" / "other.json").write_text("{}")
    res, _ = check(project)
    assert cached(res) == 1


# ----- the recorder itself -------------------------------------------------------

def test_the_recorder_sees_the_checks_reads_and_not_the_import_systems(tmp_path, monkeypatch):
    """A folder on sys.path that the import system lists to find a module is not a read of the check's (else
    adding any file beside the project would be a miss for whichever claim first imported something lazily)."""
    import importlib

    from symderiv import reads as module
    from symderiv.reads import Reads, recording, unchanged

    monkeypatch.setattr(module, "_EARLIER", Reads())  # this process's earlier reads are not this test's
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "mod_for_reads.py").write_text("X = 1\n")
    (tmp_path / "data").mkdir()
    importlib.invalidate_caches()  # the import below lists tmp_path again to find the module
    monkeypatch.setenv("SYMDERIV_TEST_READ", "1")
    with recording() as reads:
        __import__("mod_for_reads")  # a first import: the import system lists tmp_path to find it
        sorted((tmp_path / "data").iterdir())
        (tmp_path / "data" / "x.txt").exists()
        os_value = __import__("os").environ.get("SYMDERIV_TEST_READ")
    recorded = reads.to_json()
    assert os_value == "1" and recorded["env"] == {"SYMDERIV_TEST_READ": "1"}
    assert set(recorded["files"]) == {str(tmp_path / "data"), str(tmp_path / "data" / "x.txt"),
                                      str(tmp_path / "mod_for_reads.py")}
    assert unchanged(recorded)
    (tmp_path / "other.txt").write_text("")  # beside, not read
    assert unchanged(recorded)
    (tmp_path / "data" / "x.txt").write_text("")  # asked for, and now there
    assert not unchanged(recorded)
    sys.modules.pop("mod_for_reads", None)


def test_the_recorder_restores_what_it_patched():
    import builtins
    import importlib
    import os

    from symderiv.reads import recording

    before = (type(os.environ), os.stat, os.lstat, builtins.__import__, importlib.import_module)
    with pytest.raises(RuntimeError):
        with recording():
            raise RuntimeError
    assert (type(os.environ), os.stat, os.lstat, builtins.__import__, importlib.import_module) == before


def test_a_file_read_by_a_thread_the_check_starts(project):
    (project / "proofs" / "data.json").write_text('{"scale": 2}')
    write(project, "c.py", HEAD + textwrap.dedent('''
        import json, os, threading
        DATA = os.path.join(os.path.dirname(__file__), "data.json")

        @claim("c.f", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def f(**size):
            out = []
            worker = threading.Thread(target=lambda: out.append(json.load(open(DATA))["scale"]))
            worker.start()
            worker.join()
            return out[0], 2
    '''))
    first(project, "c.f")
    (project / "proofs" / "data.json").write_text('{"scale": 3}')
    assert recheck(project, "c.f")["verdict"] == "fails"


def test_a_global_without_a_stable_description_does_not_stop_caching(project):
    """A lock the check uses has no value to key on: the statement that made it stands for it (still a hit)."""
    write(project, "c.py", HEAD + textwrap.dedent('''
        import threading
        LOCK = threading.Lock()

        @claim("c.l", where="§1", statement="2 = 2", sizes=sweep(n=1, t=1))
        def l(**size):
            with LOCK:
                return 2, 2
    '''))
    first(project, "c.l")


def test_a_file_a_memo_read_for_an_earlier_claim_in_the_same_worker(project):
    """The second claim a worker checks gets the table from a memo the first one filled, without opening the file:
    the file counts for it too (what a worker read before may be memoized)."""
    (project / "proofs" / "data.json").write_text('{"scale": 2}')
    write(project, "_loader.py", '''
        import functools, json, os

        @functools.lru_cache(maxsize=None)
        def table():
            return json.load(open(os.path.join(os.path.dirname(__file__), "data.json")))
    ''')
    write(project, "c.py", HEAD + textwrap.dedent('''
        from _loader import table

        @claim("c.a", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def a(**size):
            return table()["scale"], 2

        @claim("c.b", where="§2", statement="scale = 2", sizes=sweep(n=1, t=1))
        def b(**size):
            return table()["scale"], 2
    '''))
    check(project, "-j", "1")
    (project / "proofs" / "data.json").write_text('{"scale": 3}')
    res, claims = check(project, "-j", "1")
    assert cached(res) == 0 and claims["c.a"]["verdict"] == claims["c.b"]["verdict"] == "fails"


def test_a_later_recording_includes_what_the_process_read_before(tmp_path, monkeypatch):
    from symderiv import reads as module
    from symderiv.reads import Reads, recording

    monkeypatch.setattr(module, "_EARLIER", Reads())
    (tmp_path / "a.txt").write_text("a")
    with recording():
        (tmp_path / "a.txt").read_text()
    with recording() as later:
        pass
    assert str(tmp_path / "a.txt") in later.to_json()["files"]


def test_a_check_that_starts_a_process_is_never_taken_from_the_cache(project):
    (project / "proofs" / "data.txt").write_text("2")
    write(project, "c.py", HEAD + textwrap.dedent('''
        import os, subprocess

        @claim("c.p", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def p(**size):
            out = subprocess.run(["cat", os.path.join(os.path.dirname(__file__), "data.txt")],
                                 capture_output=True, text=True).stdout
            return int(out), 2
    '''))
    check(project)
    res, claims = check(project)
    assert cached(res) == 0 and claims["c.p"]["verdict"] == "holds"


def test_an_object_a_helper_builds_at_import_from_a_file(project):
    """A helper module's object (not plain data) made at import from a file, used as ``_table.TABLE``."""
    (project / "proofs" / "data.json").write_text('{"scale": 2}')
    write(project, "_table.py", '''
        import json, os

        class Table:
            def __init__(self, data):
                self.data = data

        TABLE = Table(json.load(open(os.path.join(os.path.dirname(__file__), "data.json"))))
    ''')
    write(project, "c.py", HEAD + textwrap.dedent('''
        import _table

        @claim("c.t", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))
        def t(**size):
            return _table.TABLE.data["scale"], 2
    '''))
    first(project, "c.t")
    (project / "proofs" / "data.json").write_text('{"scale": 3}')
    assert recheck(project, "c.t")["verdict"] == "fails"


def test_a_log_the_check_appends_to_is_not_a_read(project):
    write(project, "c.py", HEAD + textwrap.dedent('''
        import os

        @claim("c.g", where="§1", statement="2 = 2", sizes=sweep(n=1, t=1))
        def g(**size):
            with open(os.path.join(os.path.dirname(__file__), "log.txt"), "a") as f:
                f.write("checked\\n")
            return 2, 2
    '''))
    first(project, "c.g")


def test_recordings_in_two_threads_share_one_record_until_the_last_ends(tmp_path, monkeypatch):
    import threading

    from symderiv import reads as module
    from symderiv.reads import Reads, recording

    monkeypatch.setattr(module, "_EARLIER", Reads())
    (tmp_path / "late.txt").write_text("x")
    first_done, seen = threading.Event(), {}

    def other():
        with recording() as reads:
            first_done.wait()
            (tmp_path / "late.txt").read_text()  # after the first recording ended: still recorded
        seen["files"] = reads.to_json()["files"]

    with recording():
        t = threading.Thread(target=other)
        t.start()
        while module._users < 2:
            pass
    first_done.set()
    t.join()
    assert str(tmp_path / "late.txt") in seen["files"]
    assert module._current is None and type(__import__("os").environ).__name__ == "_Environ"


def test_a_dataclass_of_the_proof_file_in_the_checks_closure(project):
    """A dataclass's generated methods have no source file: its class statement stands for it (still cached), and
    the instance's fields are part of the key."""
    write(project, "c.py", HEAD + textwrap.dedent('''
        from dataclasses import dataclass

        @dataclass
        class Scale:
            value: int

        def make(scale):
            def check(**size):
                return scale.value, 2
            return check

        claim("c.d", where="§1", statement="scale = 2", sizes=sweep(n=1, t=1))(make(Scale(2)))
    '''))
    first(project, "c.d")
    edit(project, "c.py", "make(Scale(2))", "make(Scale(3))")
    assert recheck(project, "c.d")["verdict"] == "fails"


def test_the_keys_canonical_values():
    """Equal values describe equally, different ones differently; one with only an address is not described."""
    import functools
    import threading

    import numpy as np
    import sympy as sp

    from symderiv.cache import _Opaque, _Reach

    def canon(v):
        return _Reach(set()).value(v)

    x = sp.Symbol("x")
    for a, b in ((np.array([x, 1], dtype=object), np.array([x, 1], dtype=object)), (np.arange(3), np.arange(3)),
                 ({"a": (1, 2.5)}, {"a": (1, 2.5)}), (x ** 2 + 1, sp.Symbol("x") ** 2 + 1),
                 (functools.partial(max, 1), functools.partial(max, 1)), ({3, 1, 2}, {2, 3, 1})):
        assert canon(a) == canon(b)
    for a, b in ((np.arange(3), np.arange(1, 4)), ({"a": 1}, {"a": 2}), (x, sp.Symbol("x", positive=True)),
                 ((1,), [1]), (1, True), (2, 2.0), ({"a": 1, "b": 2}, {"b": 2, "a": 1})):
        assert canon(a) != canon(b), (a, b)
    with pytest.raises(_Opaque):
        canon(threading.Lock())
