"""Eligibility: the criteria evaluated on the screening records, the investigator's decision, enrolment into a
dose level.
"""
