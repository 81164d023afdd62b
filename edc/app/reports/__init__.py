"""Reports a data manager or monitor downloads as CSV: the open queries and source data verification progress."""
