"""Electronic signatures: an investigator's signature on a record, a visit or a casebook, invalidated by later
changes.
"""
