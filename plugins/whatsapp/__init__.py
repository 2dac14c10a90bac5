"""The WhatsApp connector: the official WhatsApp Cloud API (Meta Graph API)."""
