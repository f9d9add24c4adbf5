"""The USSD channel: a report through a dialled menu (``*…#``), via Africa's Talking.

``africastalking`` is the webhook (``POST /ussd/africastalking``: the secret
token, the optional source allow-list, replies as ``CON …``/``END …``);
``menu`` reads what the caller has keyed so far into where they are in the
menu; ``screens`` holds every screen, translated and within USSD's limits;
``dialogue`` files the report or reads the status through the one intake path.

Why it is shaped this way (a reporter found out can lose a job or a life):

* **Nothing is kept between screens.** The gateway sends everything the caller
  has keyed in this session with every request (``text``, inputs joined by
  ``*``), so the menu is read afresh each time and the server holds no
  session state at all: no thread, no phone number, not even in memory.
* **No phone number is read** except to key the rate limit (a keyed hash, as
  SMS does); it is never stored or logged.
* **Nothing is left on the phone.** Unlike SMS, a USSD session leaves no
  message in the handset's inbox; the code is shown once on the last screen.
* **A report is filed once.** The gateway may resend the last request when the
  network is slow; the session's filing is remembered (a keyed hash, in Redis
  or memory, for a day) and a resend files nothing.
"""
