"""The voice line: a report or a follow-up by telephone, via Twilio Voice.

``twilio`` is the webhook's steps, ``answers`` builds their TwiML, ``recordings``
fetches, disguises and seals what the caller said after the response, ``disguise``
moves the speaker's formants, ``prompts`` and ``calls`` hold the spoken texts and the
sealed memory of a code between steps.
"""
