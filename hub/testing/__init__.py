"""Test kits shipped with the hub: every connector and every store must pass them."""
