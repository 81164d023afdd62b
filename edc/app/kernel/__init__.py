"""The request kernel every feature uses: the request's transaction and actor, errors and their RFC 9457 mapping,
permissions, lookups, idempotency, wire basics.
"""
