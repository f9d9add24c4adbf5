"""The SMS channel: a report by text message from a feature phone.

``gateway`` is the one path a message takes whatever the gateway; ``twilio``
(``POST /sms/twilio``: signature, media, clean-up at Twilio; WhatsApp too) and
``africastalking`` (``POST /sms/africastalking``: the URL's token, replies through
its API) are the webhooks; ``dialogue`` decides what one message means for the thread and files
it; ``codes`` reads what a typed code opens (STATUS, and whom a retaliation
report is filed under, linked to their earlier reports);
``commands`` reads command words, menu digits and typed codenames;
``texts`` holds every reply, translated and paged; ``thread`` keys, seals and
expires what a thread remembers; ``gsm`` counts GSM-7 and UCS-2 segments.

Why it is shaped this way (the reporter may lose a job or a life if found out):

* **No phone number is stored, and no thread in the database.** A thread
  lives in Redis (or the worker's memory) for 30 minutes after its last
  message and is deleted on ``DONE``. Its key and the key sealing its state
  come from one Argon2id derivation (memory-hard) over the pepper *and*
  ``From``: with the database, ``keys/`` and a Redis dump, each number tried
  costs 8 MiB and about 10 ms of a core, and finds only threads of the last 30 minutes.
* **Every part is filed at once** through ``intake.service`` (sealed to the
  routed queues and the codename key, public keys only), so a thread abandoned
  halfway, a phone taken away or a battery gone loses nothing.
* **The codename is shown once, at the first filed part**: it must reach the
  reporter even if they never send DONE. The thread does not keep it (DONE
  answers without it); a codename pasted into a later part is recognised by
  opening the thread's reporter with it and stripped before sealing, so
  officers never see it. Never in clear, never in a log.
* **Unknown input gets the menu, never an error**, in the thread's language.
  Commands are accepted in every language at any time, so a reporter who
  switched language by mistake can still finish.
* **Every reply fits one SMS of at most two GSM-7 or three UCS-2 segments**
  (``gsm.fits``); long content (an officer's reply) is paged behind ``MORE``.
"""
