"""The network's events: what is on each bridge's calendar, its feed, and its reminders."""
