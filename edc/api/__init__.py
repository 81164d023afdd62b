"""The REST API (Litestar): thin controllers over the services; nothing else imports this package."""
