"""Study endpoints derived from the captured data: overall survival and the glucocorticoid-free proportion."""
