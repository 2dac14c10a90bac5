"""The built-in translation providers (registered by hub.translate.plugin)."""
