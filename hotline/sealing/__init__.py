"""Sealing: the one place that decides who may read each item, seals it, stores
it, opens it and shreds it.

* ``recipients`` — who each kind of item is sealed to: the case's queues, the
  reporter's codename key for what the reporter may read, the custodian alone
  for contact details, an officer's personal key for a queue key or a register
  release, the recovery key for every queue key.
* ``items`` — an item's data key sealed to those recipients (``sealed_keys``
  rows), items encrypted under it, and opening both again.
* ``store`` — writing sealed items: the filing path's plain INSERTs and the
  ORM path for an item added to an existing case.
* ``queue_keys`` — a queue's private key sealed to an officer or the recovery key.
* ``releases`` — the codename register's request reasons and released contact keys.
* ``shredding`` — deleting sealed keys so that nothing recovers them from the
  database files.
* ``trust`` — tags on public keys and the alarms; ``authorship`` — officers'
  signatures and the server's tags on messages and files; ``signing_keys`` —
  every signing key an officer has had, and when; ``decisions`` — signed
  status, reward and register decisions; ``case_heads`` — each case's head
  and the ledger of cases, so that deletions are noticed.

``hotline.crypto`` holds the primitives these use; nothing outside this package
names a recipient or calls ``envelopes.seal`` itself.
"""
