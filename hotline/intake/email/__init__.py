"""The e-mail channel: file one received message, and say so to its sender.

``parse`` turns one raw RFC 822 message into plain, safe report text (with
``headers``, ``charsets``, ``mime``, ``text`` and ``quotes``); ``ingest`` files
it through ``intake.service``, exactly like the web form and the SMS dialogue
do; ``acknowledgement`` builds and sends the automatic reply; ``channel``
(:class:`~hotline.intake.email.channel.EmailChannel`) ties both to a database
and an SMTP sender for the two ways mail arrives (an MTA pipe, ``hotline
ingest-email``, and IMAP polling, ``hotline poll-imap``, from ``imap``), which
``cli`` registers. Only ``cli`` touches Flask; nothing here touches a request.

Why it is shaped this way (e-mail is confidential, never anonymous):

* **No header is stored.** The parser (``parse``) never returns
  Received, X-Originating-IP, X-Mailer and the like. The sender address is the
  one identifying thing kept, and only as a contact detail sealed to the
  custodian (the codename register), never to the queues that handle the case.
* **A message is filed once.** A keyed hash of its Message-ID (of the raw bytes
  when it has none) is written in the same transaction as the filing, so an MTA
  that retries, or an IMAP poll that crashed after its commit and before its
  delete, finds the hash and files nothing again. The hash is not linked to the
  disclosure: with the keys and a reporter's sent-mail folder, nobody can learn
  which case the message became.
* **The codename is the only proof of authorship.** A reply that carries a
  valid codename joins that reporter's newest case, unless it reports
  retaliation: that is a new disclosure under the codename, linked to the
  reporter's earlier ones, never a comment on one of them. A case reference alone
  (``HL-7K3M-Q9PA`` in the subject) proves nothing, because anyone can type one
  and the sender address cannot be compared with the sealed one without the
  custodian's key; such a message is filed as a *new* disclosure, linked
  ("related") to the referenced case and routed like it, so the officers see
  the link and judge it, and nobody can write into someone else's case.
* **Broken mail is filed, not rejected.** An attachment that cannot be read or
  cleaned, or too many megabytes, drops the files (with a note in the sealed
  text), never the words; over-long text is cut with a note.
* **The acknowledgement carries the codename and nothing about the case**: no
  report text, no reference, no category, a generic subject. It is sent only
  after the commit, never to automated senders (loops), and its failure never
  undoes the filing.
* **Logs and results hold no content.** ``IngestResult``'s ``repr`` shows the
  outcome only; warnings name an exception class, never an address or text.
"""
