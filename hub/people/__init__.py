"""The network's people: one person across the platforms they use (matched by verified
e-mail and phone number, mended by admins), their city, role, languages and expertise, and
the expertise groups posts are routed to by hashtag. See docs/people.md."""
