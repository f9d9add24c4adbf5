"""The routing policy: categories → queues, with the reporter's exclusions.

The policy is data (``rra.toml`` by default, ``HOTLINE_POLICY`` for another),
checked when loaded: a policy in which some category, with some allowed set of
units the report concerns, would reach no queue is refused with a message that
names the category and the units, because such a report would be lost.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES, Category

_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class PolicyError(ValueError):
    """The policy file is unusable; the message names the problem."""


class RoutingError(ValueError):
    """A request the policy cannot route (unknown category or unit, too many units)."""


@dataclass(frozen=True)
class Unit:
    slug: str
    #: The English name (logs, the console, the policy's own errors).
    name: str
    excludes: tuple[str, ...]
    fallback: tuple[str, ...]
    #: The name in every interface language, as the reporter reads it.
    names: Mapping[str, str] = field(default_factory=dict, compare=False)

    def label(self, language: str) -> str:
        """The name a reporter reads in ``language``: a unit they cannot read
        is a unit they cannot exclude."""
        return self.names.get(language, self.name)


@dataclass(frozen=True)
class Policy:
    queues: dict[str, str]
    custodian_slug: str
    custodian_name: str
    categories: dict[Category, tuple[str, ...]]
    units: dict[str, Unit]
    max_concerns: int
    #: Officers of these queues may export a case they can open (PDF, files);
    #: empty: every officer who can open it.
    exporters: tuple[str, ...] = ()
    #: Each queue's (and the custodian's) name in every interface language.
    queue_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)
    #: The ISO 4217 code every reward amount is shown with (``[reward] currency``).
    currency: str = ""

    def route(self, category: str, concerns: Iterable[str] = ()) -> tuple[str, ...]:
        """The queues that receive a disclosure, never one the reporter excluded."""
        term = Category.parse(category)
        if term is None or term not in self.categories:
            raise RoutingError(f"unknown category {category!r}")
        units = sorted(set(concerns))
        unknown = [u for u in units if u not in self.units]
        if unknown:
            raise RoutingError(f"unknown unit {unknown[0]!r}")
        if len(units) > self.max_concerns:
            raise RoutingError(f"at most {self.max_concerns} units may be named")
        excluded = self.excluded_queues(units)
        chosen = [q for q in self.categories[term] if q not in excluded]
        if not chosen:
            # Fallbacks are an ordered preference: the first one left takes the case.
            fallbacks = (q for u in units for q in self.units[u].fallback)
            chosen = [q for q in fallbacks if q not in excluded][:1]
        if not chosen:
            raise RoutingError(f"no queue left for {category} concerning {', '.join(units)}")
        return tuple(chosen)

    def excluded_queues(self, concerns: Iterable[str]) -> set[str]:
        return {q for u in concerns for q in self.units[u].excludes}

    @property
    def routable_queues(self) -> tuple[str, ...]:
        return tuple(self.queues)

    @property
    def all_queue_slugs(self) -> tuple[str, ...]:
        return (*self.queues, self.custodian_slug)

    def queue_name(self, slug: str) -> str:
        if slug == self.custodian_slug:
            return self.custodian_name
        return self.queues[slug]

    def queue_label(self, slug: str, language: str) -> str:
        """A queue's name in ``language``; its slug if the policy no longer has it."""
        names = self.queue_names.get(slug, {})
        return names.get(language) or names.get(DEFAULT_LANGUAGE) or slug


def _names(value: object, fallback: str, where: str) -> dict[str, str]:
    """A name as the policy gives it, in every interface language.

    One string is shown as it is in every language (a proper name, or a policy
    not yet translated); a table must give every language (``en``, ``fr``,
    ``rw``, ``sw``, ``ar``): a unit's name is what a reporter reads on the most
    safety-critical choice they make, so none falls back to English unseen.
    """
    if value is None or value == "":
        return dict.fromkeys(LANGUAGES, fallback)
    if isinstance(value, str):
        return dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: name must be a string or a table of languages")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise PolicyError(f"{where}: name has an unknown language {unknown[0]!r}")
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise PolicyError(f"{where}: name has no {language!r} translation")
    return {language: str(value[language]).strip() for language in LANGUAGES}


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a list of queue names")
    return tuple(value)


def parse_policy(data: dict[str, object]) -> Policy:
    raw_queues = data.get("queues")
    if not isinstance(raw_queues, dict) or not raw_queues:
        raise PolicyError("the policy declares no [queues]")
    queues: dict[str, str] = {}
    queue_names: dict[str, dict[str, str]] = {}
    for slug, table in raw_queues.items():
        if not _SLUG.match(slug):
            raise PolicyError(f"queue name {slug!r} must be lowercase letters, digits and _")
        name = table.get("name") if isinstance(table, dict) else None
        queue_names[slug] = _names(name, slug, f"queue {slug!r}")
        queues[slug] = queue_names[slug][DEFAULT_LANGUAGE]

    custodian = data.get("custodian")
    if not isinstance(custodian, dict) or not isinstance(custodian.get("slug"), str):
        raise PolicyError("the policy declares no [custodian] with a slug")
    custodian_slug = custodian["slug"]
    if custodian_slug in queues:
        raise PolicyError(f"custodian {custodian_slug!r} must not also be a routing queue")
    if not _SLUG.match(custodian_slug):
        raise PolicyError(f"custodian name {custodian_slug!r} must be lowercase letters and _")

    def known(names: tuple[str, ...], where: str) -> tuple[str, ...]:
        for name in names:
            if name == custodian_slug:
                raise PolicyError(f"{where} names the custodian {name!r}, which is never routed to")
            if name not in queues:
                raise PolicyError(f"{where} names unknown queue {name!r}")
        return names

    raw_categories = data.get("categories")
    if not isinstance(raw_categories, dict):
        raise PolicyError("the policy declares no [categories]")
    categories: dict[Category, tuple[str, ...]] = {}
    for category in Category:
        table = raw_categories.get(category)
        if not isinstance(table, dict):
            raise PolicyError(f"category {category.value!r} is missing")
        where = f"category {category.value!r}"
        categories[category] = known(_str_list(table.get("queues"), where), where)
        if not categories[category]:
            raise PolicyError(f"{where} routes to no queue")
    extra = set(raw_categories) - set(Category)
    if extra:
        raise PolicyError(f"unknown category {sorted(extra)[0]!r}")

    raw_units = data.get("units", {})
    if not isinstance(raw_units, dict):
        raise PolicyError("[units] must be a table")
    units: dict[str, Unit] = {}
    for slug, table in raw_units.items():
        if not isinstance(table, dict):
            raise PolicyError(f"unit {slug!r} must be a table")
        where = f"unit {slug!r}"
        names = _names(table.get("name"), slug, where)
        units[slug] = Unit(
            slug=slug,
            name=names[DEFAULT_LANGUAGE],
            excludes=known(_str_list(table.get("excludes", []), where), where),
            fallback=known(_str_list(table.get("fallback", []), where), where),
            names=names,
        )

    max_concerns = data.get("max_concerns", 1)
    if not isinstance(max_concerns, int) or max_concerns < 0:
        raise PolicyError("max_concerns must be a whole number")

    raw_export = data.get("export", {})
    if not isinstance(raw_export, dict):
        raise PolicyError("[export] must be a table")
    exporters = known(_str_list(raw_export.get("queues", []), "[export]"), "[export]")

    raw_reward = data.get("reward", {})
    if not isinstance(raw_reward, dict):
        raise PolicyError("[reward] must be a table")
    currency = raw_reward.get("currency", "")
    if not isinstance(currency, str) or not re.fullmatch(r"(?:[A-Z]{3})?", currency):
        raise PolicyError("[reward] currency must be an ISO 4217 code such as RWF")

    custodian_names = _names(custodian.get("name"), custodian_slug, "[custodian]")
    policy = Policy(
        queues,
        custodian_slug,
        custodian_names[DEFAULT_LANGUAGE],
        categories,
        units,
        min(max_concerns, len(units)),
        exporters,
        queue_names={**queue_names, custodian_slug: custodian_names},
        currency=currency,
    )
    _check_every_route(policy)
    return policy


def _check_every_route(policy: Policy) -> None:
    """Refuse a policy where some category and exclusion would reach no queue."""
    for category in policy.categories:
        for size in range(policy.max_concerns + 1):
            for concerns in itertools.combinations(sorted(policy.units), size):
                try:
                    policy.route(category, concerns)
                except RoutingError:
                    names = " and ".join(policy.units[u].name for u in concerns)
                    raise PolicyError(
                        f"a {category} report that concerns {names} would reach no queue; "
                        "add a fallback queue to one of those units"
                    ) from None


def load_policy(path: Path) -> Policy:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from None
    try:
        return parse_policy(data)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None
