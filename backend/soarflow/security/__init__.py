"""Access: roles and permissions, passwords, tokens and sessions. Pure functions, no Flask."""
