"""Notifications to officers: an outbox with no content in it.

Case services add a row per officer concerned (a new case in their queues, an
answer, an assignment, a wait for their decision; ``reminders`` adds deadlines);
``hotline notify`` drains the outbox in batches after the commit, so an
e-mail's time never reveals when a report arrived and no request waits on SMTP.
Rows carry an officer, a kind and the case: the e-mail names its reference and
the kind, never its content, category or anything of the reporter.
"""
