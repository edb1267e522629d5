"""The one error type the libraries raise for input a person gave them (an export request, an uploaded file).

Its message says what is wrong and is written for that person as it is, so the web app shows it
unchanged (a 400 answer, a failed job's error) without wrapping each library error in its own.
Errors whose message holds details the user must not see (server paths) derive from ``ValueError``
instead and are reworded by whoever catches them.
"""


class InputError(ValueError):
    """Input that cannot be used as given; ``str(error)`` says what is wrong, for the user as it is."""
