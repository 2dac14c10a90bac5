"""The Basecamp connector."""
