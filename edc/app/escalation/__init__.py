"""Dose escalation: each level's subjects, DLT windows and proposals, committee adjudication and decisions, the
3+3 recommendation.
"""
