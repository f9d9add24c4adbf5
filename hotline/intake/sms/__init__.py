"""The SMS channel: a report by text message from a feature phone.

``gateway`` is the one path a message takes whatever the gateway; ``twilio``
(``POST /sms/twilio``: signature, media, clean-up at Twilio; WhatsApp too) and
``africastalking`` (``POST /sms/africastalking``: the URL's token, replies through
its API) are the webhooks; ``dialogue`` decides what one message means for the thread and files
it; ``commands`` reads command words, menu digits and typed codenames;
``texts`` holds every reply, translated and paged; ``thread`` keys, seals and
expires what a thread remembers; ``gsm`` counts GSM-7 and UCS-2 segments.

Why it is shaped this way (the reporter may lose a job or a life if found out):

* **No phone number is stored.** A thread is found by
  ``keyed_hash("sms-thread", From)`` (useless without the pepper) and its state
  is sealed with ChaCha20-Poly1305 under a key derived with HKDF from the
  pepper *and* ``From``. The server can read the state only while that sender
  is talking to it; the database plus the keys directory do not list who
  reported. Threads expire 30 minutes after the last message and are deleted
  on ``DONE``; expired ones are swept on every call.
* **Every part is filed at once** through ``intake.service`` (sealed to the
  routed queues and the codename key, public keys only), so a thread abandoned
  halfway, a phone taken away or a battery gone loses nothing.
* **The codename is shown at the first filed part and again on DONE**: it must
  reach the reporter even if they never send DONE. Until then it waits sealed
  in the thread state, never in clear, never in a log, never in report text
  (it is stripped from every part before sealing, so officers never see it).
* **Unknown input gets the menu, never an error**, in the thread's language.
  Commands are accepted in every language at any time, so a reporter who
  switched language by mistake can still finish.
* **Every reply fits one SMS of at most two GSM-7 or three UCS-2 segments**
  (``gsm.fits``); long content (an officer's reply) is paged behind ``MORE``.
"""
