"""Application services: the use cases the API calls, each inside the caller's transaction (they never commit)."""
