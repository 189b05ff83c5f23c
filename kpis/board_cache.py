"""The cache of the board's figures (Redis in production, files under CACHE_DIR in the embedded default: either way
one cache for every process, so that a refresh made by a worker or a shell reaches the web server's pages).

What is cached is the summed base measures a board reads (the totals of a node per period, and of each child),
never a KPI value or a person's view: values, targets and pace are computed from them on every request, so an
objective set a second ago shows at once. Entries are keyed by a per-network version that every rollup refresh
replaces, inside the refresh's transaction and again once it commits (a board computed from the old rollups
while the refresh was under way is stored under a version nobody asks for any more). The version also names
the network row's creation time, so that a network rebuilt with the same id (a test database, a restored
backup) never meets its predecessor's entries.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction

ENTRY_SECONDS = 24 * 3600  # entries of a version nobody reads any more expire by themselves


def _version_key(network):
    return f"kpis:board-version:{network.pk}:{network.created_at.timestamp():.6f}"


def _new_version():
    return f"{time.time_ns():x}"


def network_version(network):
    """The current version of `network`'s cached figures (one is made when there is none, e.g. after a restart of
    the cache)."""
    key = _version_key(network)
    version = cache.get(key)
    if version is None:
        cache.add(key, _new_version(), timeout=None)
        version = cache.get(key)
    return version


def network_invalidate(network):
    """Drop every cached figure of `network`, now and once the current transaction commits."""
    key = _version_key(network)
    cache.set(key, _new_version(), timeout=None)
    transaction.on_commit(lambda: cache.set(key, _new_version(), timeout=None))


def cached(*, network, parts, compute):
    """The value cached for `parts` under `network`'s current version, computed by `compute()` and stored when
    missing. `parts` must name everything the value depends on besides the network's rollups."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"kpis:board:{network.pk}:{network_version(network)}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=ENTRY_SECONDS)
    return value
