"""The Slack connector."""
