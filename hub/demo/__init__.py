"""`passerelle demo`: the four sandbox platforms and the hub on loopback, playing a story."""

from __future__ import annotations


def run_demo(*, as_json: bool, keep: bool) -> int:
    """Play the story; return the command's exit code."""
    raise NotImplementedError("the demo is being built")
