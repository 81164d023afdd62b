"""Study status: per site, forms expected, entered, verified, signed and locked, open queries by age, overdue visits."""
