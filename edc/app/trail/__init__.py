"""The audit trail as monitors read it: filtered, cursor-paginated and as CSV."""
