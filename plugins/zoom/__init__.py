"""The Zoom connector."""
