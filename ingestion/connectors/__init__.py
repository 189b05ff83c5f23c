"""Connectors, one module per kind of source; `connector_class(kind)` finds the one a source needs."""

from importlib import import_module

from ingestion.constants import SourceKind

MODULES = {
    SourceKind.GOOGLE_ADS: "google_ads",
    SourceKind.META_ADS: "meta_ads",
    SourceKind.GA4: "ga4",
    SourceKind.HUBSPOT: "hubspot",
    SourceKind.CHATBOT: "chatbot",
    SourceKind.CSV: "csv_drop",
    SourceKind.WEBHOOK: "webhook",
    SourceKind.DEMO: "demo",
}


def connector_class(kind):
    """The Connector subclass for a source kind (modules are imported on first use)."""
    return import_module(f"{__name__}.{MODULES[SourceKind(kind)]}").Connector
