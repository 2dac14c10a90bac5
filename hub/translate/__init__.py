"""Translation: detection, protected spans, providers, cache and budget (DESIGN §8)."""
