def try_certificate(enc, negated):
    return None
