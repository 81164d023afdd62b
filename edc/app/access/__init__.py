"""Access: user accounts and grants, logins (throttled after failures), bearer tokens, signature re-authentication."""
