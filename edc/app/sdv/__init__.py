"""Source data verification: monitors' marks on items, records and visits, cleared by corrections, progress per
subject.
"""
