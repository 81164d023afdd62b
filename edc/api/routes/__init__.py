"""Controllers of the API, one module per resource."""
