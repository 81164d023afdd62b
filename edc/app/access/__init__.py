"""Access: user accounts and grants, logins with lockout, bearer tokens, re-authentication for signatures."""
