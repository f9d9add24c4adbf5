"""What the voice line says, in the caller's language, and how it is spoken.

Each prompt is spoken by Twilio's text-to-speech where it speaks the language
(:data:`SAY_LANGUAGES`), or played from a recording an operator drops into
``HOTLINE_VOICE_PROMPTS`` (``<language>/<prompt>.mp3``, one file per prompt and
language, README lists them) where it does not (Kinyarwanda). A recorded file,
when present, is preferred in every language. Digits of a code are spoken one
by one, from ``<language>/digit-0.mp3`` … when those are recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from flask_babel import force_locale
from flask_babel import gettext as _gettext
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Pause, Play, Say

from hotline.procedure import LANGUAGE_NAMES, LANGUAGES

#: Twilio <Say> languages; a language missing here needs recorded prompts.
SAY_LANGUAGES: Final = {"en": "en-GB", "fr": "fr-FR", "sw": "sw-KE", "ar": "arb"}
FALLBACK_LANGUAGE: Final = "en"
#: The prompts an operator may record, by file name (without ``.mp3``).
PROMPTS: Final = (
    "choose-language",
    "menu",
    "categories",
    "before-recording",
    "record-more",
    "filed",
    "your-code",
    "hear-again",
    "ask-code",
    "unknown-code",
    "no-reply",
    "answer",
    "answer-filed",
    "goodbye",
    "not-a-choice",
    "not-filed",
    *(f"digit-{d}" for d in range(10)),
)


def _(text: str, **variables: object) -> str:
    """flask_babel's gettext, typed (the catalogue extractor knows ``_``)."""
    return str(_gettext(text, **variables))


def recorded(prompts_dir: Path | None, language: str, prompt: str) -> bool:
    """Whether the operator recorded this prompt in this language."""
    if prompts_dir is None or language not in LANGUAGES or prompt not in PROMPTS:
        return False
    return (prompts_dir / language / f"{prompt}.mp3").is_file()


def text(language: str, prompt: str) -> str:
    """The words of a prompt in a language (also what a recording should say)."""
    with force_locale(language):
        match prompt:
            case "choose-language":
                return _(
                    "For %(language)s, press %(number)d.",
                    language=LANGUAGE_NAMES[language],
                    number=LANGUAGES.index(language) + 1,
                )
            case "menu":
                return _(
                    "Never say your name. To report wrongdoing, press 1. "
                    "To follow up a report with your code, press 2."
                )
            case "categories":
                return _(
                    "Tax fraud or smuggling, press 1. Staff corruption or misconduct, "
                    "press 2. Retaliation for reporting, press 3. Anything else, press 4."
                )
            case "before-recording":
                return _(
                    "Your voice will be disguised before anyone hears it, so that "
                    "colleagues cannot recognise it. Say who, what, where and when, "
                    "without your name. Speak after the beep, for up to five minutes, "
                    "then press the hash key."
                )
            case "record-more":
                return _("To record more, press 1. To send your report, press 2.")
            case "filed":
                return _("Your report is filed.")
            case "your-code":
                return _(
                    "Write down your code now. You need it to follow up, and it will "
                    "not be given again. Your code is:"
                )
            case "hear-again":
                return _("To hear your code again, press 1.")
            case "ask-code":
                return _("Key in your 16-digit code, then press the hash key.")
            case "unknown-code":
                return _("This code is not known. Check it and call again.")
            case "no-reply":
                return _("There is no new reply.")
            case "answer":
                return _("To record an answer, press 1. To end the call, press 2.")
            case "answer-filed":
                return _("Your answer is added to your report.")
            case "goodbye":
                return _("Thank you. Stay safe. Goodbye.")
            case "not-a-choice":
                return _("That is not one of the choices.")
            case "not-filed":
                return _("Your report could not be filed. Please try again later.")
            case digit if digit.startswith("digit-"):
                return digit.removeprefix("digit-")
            case _:
                raise KeyError(prompt)


class Speaker:
    """Adds spoken prompts to TwiML, recorded where recorded, else synthesised."""

    def __init__(self, language: str, prompts_dir: Path | None, prompt_url: str) -> None:
        self.language = language
        self.prompts_dir = prompts_dir
        #: Where ``/voice/prompts/<language>/<prompt>.mp3`` is served from.
        self.prompt_url = prompt_url.rstrip("/")

    def _say(self, parent: TwiML, words: str, language: str) -> None:
        voice_language = SAY_LANGUAGES.get(language, SAY_LANGUAGES[FALLBACK_LANGUAGE])
        parent.nest(Say(words, language=voice_language))

    def prompt(self, parent: TwiML, prompt: str, language: str | None = None) -> None:
        language = language or self.language
        if recorded(self.prompts_dir, language, prompt):
            parent.nest(Play(f"{self.prompt_url}/{language}/{prompt}.mp3"))
        else:
            self._say(parent, text(language, prompt), language)

    def words(self, parent: TwiML, words: str) -> None:
        """Free text (a status, an officer's reply), always synthesised."""
        self._say(parent, words, self.language)

    def digits(self, parent: TwiML, digits: str) -> None:
        """A code, digit by digit, with pauses between groups of four."""
        for position, digit in enumerate(digits):
            if position and position % 4 == 0:
                parent.nest(Pause(length=1))
            self.prompt(parent, f"digit-{digit}")

    def language_menu(self, parent: TwiML) -> None:
        """Each language offered in its own words: "… press 1", "… appuyez sur 2"."""
        for language in LANGUAGES:
            self.prompt(parent, "choose-language", language)
