"""Visits: the schedule planned from the infusion date, visit dates and windows, unscheduled and missed visits."""
