"""What a reader of one endpoint sees of an item beyond its translated text: a calendar event's
time, place and link in the reader's language and time zone, its invitation (.ics), and the
original beside a translation. Pure: data in, data out, no clock and no I/O.

Connectors never format dates themselves: they get these pieces on `Outgoing` and show them in
their platform's idiom.
"""
