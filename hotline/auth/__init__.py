"""Officer accounts: passwords, wrapped personal keys, TOTP and sign-in."""
