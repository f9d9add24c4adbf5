"""Notifications to officers: an outbox with no content in it.

Filing code adds a row per designated officer ("something new in your
queues"); ``hotline notify`` drains the outbox in batches after the commit, so
an e-mail's time never reveals when a report arrived and no request waits on
SMTP. Rows carry an officer and a kind only: no case, category or reference.
"""
