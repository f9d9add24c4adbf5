"""The running instance: config, policy, secrets, database and session store.

Built once by ``create_app`` and kept on ``app.extensions``; views reach it
through :func:`current`, services receive the plain values they need.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session

from hotline.clock import Clock
from hotline.config import Config
from hotline.crypto import keyring
from hotline.crypto.codenames import CodenameKdf
from hotline.crypto.sessions import DatabaseSessions, RedisSessions, SessionStore
from hotline.db import Database
from hotline.intake.service import Limits
from hotline.routing import Policy

EXTENSION = "hotline"


@dataclass
class Instance:
    config: Config
    policy: Policy
    database: Database
    sessions: SessionStore
    redis: Any = None
    clock: Clock = field(default_factory=Clock)
    _secrets: keyring.InstanceSecrets | None = field(default=None, repr=False)
    _kdf: CodenameKdf | None = field(default=None, repr=False)
    _cleanings: threading.BoundedSemaphore | None = field(default=None, repr=False)

    @property
    def secrets(self) -> keyring.InstanceSecrets:
        if self._secrets is None:
            self._secrets = keyring.load_secrets(self.config.keys_dir)
        return self._secrets

    @property
    def kdf(self) -> CodenameKdf:
        if self._kdf is None:
            self._kdf = CodenameKdf(
                self.secrets.pepper,
                n=self.config.scrypt_n,
                concurrent=self.config.max_concurrent_derivations,
            )
        return self._kdf

    @property
    def limits(self) -> Limits:
        if self._cleanings is None:
            self._cleanings = threading.BoundedSemaphore(
                max(1, self.config.max_concurrent_cleanings)
            )
        return Limits.from_config(self.config, cleanings=self._cleanings)

    @property
    def argon2_params(self) -> keyring.Argon2Params:
        return keyring.Argon2Params(self.config.argon2_memory_kib, self.config.argon2_time_cost)


def build_instance(config: Config, policy: Policy) -> Instance:
    database = Database(config.database_url, keys=keyring.secrets_loader(config.keys_dir))
    redis_client = None
    clock = Clock()
    if config.redis_url:
        import redis

        redis_client = redis.Redis.from_url(config.redis_url)
        sessions = RedisSessions(redis_client, prefix=f"{config.redis_prefix}:session:")
        store = SessionStore(sessions, clock)
    else:
        store = SessionStore(DatabaseSessions(database.sessions), clock)
    return Instance(config, policy, database, store, redis_client, clock)


def current() -> Instance:
    instance: Instance = current_app.extensions[EXTENSION]
    return instance


def db_session() -> Session:
    """The request's database session: one per request, closed at teardown."""
    if "db_session" not in g:
        g.db_session = current().database.sessions()
    session: Session = g.db_session
    return session


def close_db_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
