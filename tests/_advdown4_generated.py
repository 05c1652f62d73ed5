"""A helper made by exec (as a code generator or a config's formula makes one): its source cannot be read, so the
guard cannot rewrite it (tests/test_adversarial_advdown4.py)."""
_ENV: dict = {}
exec(compile('def special(k):\n    return 1 if "{}".format(k) == "6" else 0\n', "<generated helper>", "exec"), _ENV)
special = _ENV["special"]
