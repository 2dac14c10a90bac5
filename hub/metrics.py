"""Prometheus metrics of one hub (its own registry, so two hubs in a test never mix)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events = Counter("passerelle_events_stored", "New events stored",
                              ["connection"], registry=self.registry)
        self.webhooks = Counter("passerelle_webhooks", "Webhook requests by outcome",
                                ["connection", "outcome"], registry=self.registry)
        self.deliveries = Counter("passerelle_deliveries", "Delivery attempts by outcome",
                                  ["connection", "outcome"], registry=self.registry)
        self.polls = Counter("passerelle_polls", "Polls by outcome", ["connection", "outcome"],
                             registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
