"""Passerelle: a hub that mirrors what people share across the tools they already use."""

from hub.hookspecs import hookimpl

__all__ = ["hookimpl"]
