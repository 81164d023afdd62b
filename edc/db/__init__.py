"""Storage: the core tables, the generated form tables, engines and migrations."""
