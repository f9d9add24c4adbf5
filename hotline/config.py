"""Settings, read once from ``HOTLINE_*`` environment variables.

Nothing here runs at import time: :func:`Config.from_env` is called by
``create_app`` (or by a test, which usually builds a ``Config`` directly).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES

#: The real codename KDF cost (DESIGN.md). Tests pass a cheaper value.
SCRYPT_N = 2**14
#: Argon2id parameters wrapping officer keys: at least 64 MiB and t=3.
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_TIME_COST = 3

DEFAULT_POLICY = Path(__file__).parent / "routing" / "rra.toml"


class ConfigError(ValueError):
    """A setting is present but unusable; the message names it."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _language(env: Mapping[str, str], name: str, defaults: Config) -> str:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return defaults.email_language
    if raw not in defaults.languages:
        known = ", ".join(defaults.languages)
        raise ConfigError(f"{name} must be one of {known}, not {raw!r}")
    return raw


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of addresses or CIDR networks, checked now."""
    found = []
    for item in (env.get(name) or "").split(","):
        if not item.strip():
            continue
        try:
            found.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ConfigError(f"{name}: {item.strip()!r} is not an address or network") from None
    return tuple(found)


@dataclass(frozen=True)
class Config:
    """Everything the application reads from its environment, typed and frozen."""

    database_url: str = "sqlite:///instance/hotline.sqlite3"
    keys_dir: Path = Path("keys")
    policy_path: Path = DEFAULT_POLICY
    redis_url: str | None = None
    #: Prefix of every Redis key, so several instances can share one Redis.
    redis_prefix: str = "hotline"
    public_url: str = "http://127.0.0.1:5000"
    onion_url: str | None = None
    #: The listener only the Tor daemon reaches (``unix:/run/hotline/onion.sock``
    #: or ``127.0.0.1:8081``): requests arriving on it are onion traffic.
    onion_bind: str | None = None
    smtp_url: str | None = None
    imap_url: str | None = None
    mail_from: str = "hotline@localhost"
    email_acknowledgement: bool = True
    #: The language of an e-mail acknowledgement when the message does not say
    #: its own (Content-Language): the language the published address is in.
    email_language: str = DEFAULT_LANGUAGE
    twilio_auth_token: str | None = None
    twilio_account_sid: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    #: The Twilio number (and WhatsApp sender, ``whatsapp:+…``) that content-free
    #: reply notices are sent from; unset, Twilio sends none.
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None
    #: The secret in Africa's Talking's callback URLs (``?token=``): the gateway
    #: does not sign its callbacks. Unset, every callback is refused.
    africastalking_token: str | None = None
    #: Addresses Africa's Talking calls from (CIDRs); empty allows any.
    africastalking_sources: tuple[str, ...] = ()
    #: The account that sends SMS replies; without it, SMS callbacks are filed unanswered.
    africastalking_username: str | None = None
    africastalking_api_key: str | None = None
    #: The short code or sender id replies come from (the account's default when unset).
    africastalking_sender: str | None = None
    africastalking_api_base: str = "https://api.africastalking.com"
    #: Recorded voice prompts (``<language>/<prompt>.mp3``) for languages Twilio
    #: cannot speak; unset, every prompt is synthesised.
    voice_prompts_dir: Path | None = None
    #: Reverse proxies in front of the app: their X-Forwarded-For/-Proto are
    #: trusted this many hops deep (0: none, the client connects directly).
    proxy_hops: int = 0
    #: True on plain-HTTP local development only; cookies are Secure otherwise.
    insecure_cookies: bool = False
    max_report_chars: int = 100_000
    max_upload_bytes: int = 25 * 1024 * 1024
    #: At most this many codename derivations run at once per process, so that
    #: guessing codenames cannot starve new submissions of CPU.
    max_concurrent_derivations: int = 2
    #: At most this many uploads are cleaned at once per process: a burst of
    #: files (onion requests are not rate limited) waits instead of taking
    #: every core.
    max_concurrent_cleanings: int = 2
    #: At most this many files in one report or follow-up ...
    max_files: int = 10
    #: ... whose pictures decode to at most this many pixels together (five
    #: 40-megapixel photos): what cleaning them costs grows with the pixels.
    max_pixels_per_report: int = 500_000_000
    notify_interval_minutes: int = 15
    retention_days: int = 5 * 365
    scrypt_n: int = SCRYPT_N
    argon2_memory_kib: int = ARGON2_MEMORY_KIB
    argon2_time_cost: int = ARGON2_TIME_COST
    testing: bool = False
    languages: tuple[str, ...] = field(default=LANGUAGES)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            database_url=env.get("HOTLINE_DATABASE_URL") or defaults.database_url,
            keys_dir=Path(env.get("HOTLINE_KEYS_DIR") or defaults.keys_dir),
            policy_path=Path(env.get("HOTLINE_POLICY") or defaults.policy_path),
            redis_url=env.get("HOTLINE_REDIS_URL") or None,
            redis_prefix=env.get("HOTLINE_REDIS_PREFIX") or defaults.redis_prefix,
            public_url=(env.get("HOTLINE_PUBLIC_URL") or defaults.public_url).rstrip("/"),
            onion_url=env.get("HOTLINE_ONION_URL") or None,
            onion_bind=env.get("HOTLINE_ONION_BIND") or None,
            smtp_url=env.get("HOTLINE_SMTP_URL") or None,
            imap_url=env.get("HOTLINE_IMAP_URL") or None,
            mail_from=env.get("HOTLINE_MAIL_FROM") or defaults.mail_from,
            email_acknowledgement=_flag(env.get("HOTLINE_EMAIL_ACKNOWLEDGEMENT"), True),
            email_language=_language(env, "HOTLINE_EMAIL_LANGUAGE", defaults),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_api_base=env.get("HOTLINE_TWILIO_API_BASE") or defaults.twilio_api_base,
            twilio_sms_from=env.get("HOTLINE_TWILIO_SMS_FROM") or None,
            twilio_whatsapp_from=env.get("HOTLINE_TWILIO_WHATSAPP_FROM") or None,
            africastalking_token=env.get("HOTLINE_AFRICASTALKING_TOKEN") or None,
            africastalking_sources=_networks(env, "HOTLINE_AFRICASTALKING_SOURCES"),
            africastalking_username=env.get("HOTLINE_AFRICASTALKING_USERNAME") or None,
            africastalking_api_key=env.get("HOTLINE_AFRICASTALKING_API_KEY") or None,
            africastalking_sender=env.get("HOTLINE_AFRICASTALKING_SENDER") or None,
            voice_prompts_dir=Path(env["HOTLINE_VOICE_PROMPTS"])
            if env.get("HOTLINE_VOICE_PROMPTS")
            else None,
            africastalking_api_base=(
                env.get("HOTLINE_AFRICASTALKING_API_BASE") or defaults.africastalking_api_base
            ),
            insecure_cookies=_flag(env.get("HOTLINE_INSECURE_COOKIES"), False),
            proxy_hops=_int(env, "HOTLINE_PROXY_HOPS", defaults.proxy_hops),
            max_report_chars=_int(env, "HOTLINE_MAX_REPORT_CHARS", defaults.max_report_chars),
            max_upload_bytes=_int(env, "HOTLINE_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            max_concurrent_derivations=_int(
                env, "HOTLINE_MAX_CONCURRENT_DERIVATIONS", defaults.max_concurrent_derivations
            ),
            max_concurrent_cleanings=_int(
                env, "HOTLINE_MAX_CONCURRENT_CLEANINGS", defaults.max_concurrent_cleanings
            ),
            max_files=_int(env, "HOTLINE_MAX_FILES", defaults.max_files),
            max_pixels_per_report=_int(
                env, "HOTLINE_MAX_PIXELS_PER_REPORT", defaults.max_pixels_per_report
            ),
            notify_interval_minutes=_int(
                env, "HOTLINE_NOTIFY_INTERVAL_MINUTES", defaults.notify_interval_minutes
            ),
            retention_days=_int(env, "HOTLINE_RETENTION_DAYS", defaults.retention_days),
        )

    def with_changes(self, **changes: object) -> Config:
        """A copy with some settings changed (the object itself never changes)."""
        return replace(self, **changes)  # type: ignore[arg-type]
