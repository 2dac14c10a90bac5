"""Secrets shaped like the real ones, shared by the end-to-end tests: Slack's and Meta's 32 hex
digits, Zoom's url-safe token, tokens of each platform's length."""

SLACK_SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
ZOOM_SECRET_TOKEN = "hr7LS3rDRbGXvGz1XH6e6g"
ZOOM_CLIENT_SECRET = "7gTHj8s4Ps4KqcAJX0AvOw2YlAo1H6Rk"
WHATSAPP_APP_SECRET = "2b5c0e8e7f3a4d9bb1c6a1f0e3d2c4b5"
WHATSAPP_TOKEN = "EAAJB1Ea9ZCTcBO7hZB6ZCu3ZAeZBq0jA3ZBo2ZC2ZBy7ZCPZB3qZAuZB8"
WHATSAPP_VERIFY = "passerelle-verify-5f0d7c1e"
BASECAMP_SECRET = "wh_3q2Vd8r1Yp0cXk7LmN4tBzQe9sJfUa6H"
BASECAMP_TOKEN = "BAhbB0kiAbB7ImNsaWVudF9pZCI6IjFmOTJk"
