"""The one refusal: what a person asked for is not done, and the message says why.

Raised by any feature (a move the ticket's status does not allow, a person without the right,
a stale button) and shown to the person who tried, as a toast or a short reply. Nothing has
changed when it is raised: the transaction around it rolls back.
"""


class Refused(Exception):
    """`str(exc)` is the sentence for the person, from bot/texts.py."""
