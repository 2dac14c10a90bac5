"""The network's memory: every item that flowed, with its translations, searchable in any of
the network's languages, shown by thread, exported, and forgotten on request."""
