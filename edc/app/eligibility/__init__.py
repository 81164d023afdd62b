"""eligibility."""
