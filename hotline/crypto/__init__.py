"""The crypto layer: codenames, one AEAD helper, envelopes, key pairs and
split-knowledge sessions: primitives only (who may read what is ``hotline.sealing``).

Everything here is built from ``cryptography`` and ``argon2-cffi``; no primitive
is hand-made. What this package writes is a stored format: each record carries
its version (``KDF_VERSION``, ``SEAL_VERSION``) so it can change only with a
migration.
"""
