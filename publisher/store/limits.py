"""What the guard (:mod:`publisher.store.guarded`) enforces, from ``limits:`` in the
configuration; its own module so that the guard's pool and child processes
(:mod:`publisher.store.executors`, :mod:`publisher.store.sandbox`) can read it without
importing the guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publisher.store.admission import Budget, default_budget_mb, slots_for


@dataclass(frozen=True)
class Limits:
    """What the guard enforces; see ``limits:`` in ``publisher/defaults.yaml``."""

    timeout_s: float = 10.0
    max_concurrent: int = 6
    queue_wait_s: float = 0.5
    retry_after_s: int = 5
    memory_mb: int = 2048
    renice_after_s: float = 0.5
    retire_after_s: float = 0.25
    health_timeout_s: float = 2.0
    # Fairness (publisher.store.admission): a client's own queries at once, server-wide
    # (0: no limit); executors per process and memory slots kept for light work.
    per_client: int = 2
    reserved_light: int = 2
    memory_total_mb: int = 0  # 0: half of the machine's memory (admission.default_budget_mb)
    workers: int = 1  # web worker processes sharing the memory budget
    # False only for an engine that must itself reach the network (a remote store): the
    # executor then keeps the right to open descriptors.
    isolate_network: bool = True
    # False for a store that holds no data (the remote store's parser, SyntaxChecker): its
    # executors take no memory slots of the server's budget.
    memory_budget: bool = True

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        values = config["limits"]
        return cls(
            timeout_s=float(values["query_timeout_s"]),
            max_concurrent=int(values["max_concurrent_queries"]),
            queue_wait_s=float(values["queue_wait_s"]),
            retry_after_s=int(values["retry_after_s"]),
            memory_mb=int(values["query_memory_mb"]),
            health_timeout_s=float(values["health_timeout_s"]),
            per_client=int(values["max_queries_per_client"]),
            reserved_light=int(values["reserved_light_queries"]),
            memory_total_mb=int(values["memory_total_mb"]),
            workers=max(1, int(config["server"]["workers"])),
        )

    def budget(self, store_mb: int) -> Budget:
        """The server-wide slots for a store taking ``store_mb`` (copied by a busy executor
        at worst)."""
        total = self.memory_total_mb or default_budget_mb()
        return Budget(
            memory_slots=slots_for(total, self.memory_mb, store_mb) if self.memory_budget else 0,
            reserved_light_slots=self.reserved_light * self.workers,
            per_client=self.per_client,
            memory_total_mb=total,
            retry_after_s=self.retry_after_s,
        )
