"""Routing: which queues receive a disclosure, from the policy file."""

from hotline.routing.policy import Policy, PolicyError, RoutingError, load_policy

__all__ = ["Policy", "PolicyError", "RoutingError", "load_policy"]
