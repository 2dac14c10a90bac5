"""Local emulators of the platform APIs the connectors use (DESIGN §9).

Each emulator is a Starlette app with in-memory state, an API to act as a user (which fires the
platform's webhook at the hub, signed as the platform signs it) and fault injection. They serve
the demo, the end-to-end tests and the benchmarks, on loopback only.
"""
