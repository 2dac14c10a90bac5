"""The Whatsapp connector."""
