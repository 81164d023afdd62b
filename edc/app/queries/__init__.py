"""Data queries: opened by edit-check findings or by monitors, answered by sites, closed and re-opened, with
their threads.
"""
