"""Errors that mean "the user's input is wrong", as opposed to a bug.

The command line turns an :class:`InputError` into one line on stderr and exit code 2. Every
message names *where* (file, row or key path), *what* was found, and *what is allowed*, so a
marketer can fix a typo without reading a traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: a config typo, an impossible value, a broken CSV, a missing file.

    Args:
        where: the file (and row or key path) the problem is in, e.g. ``"a.toml: email"``.
        problem: what is wrong and what is allowed, e.g. ``"1.5: must be in [0, 1]"``.

    Example:
        >>> str(InputError("s.toml: months", "0 is not allowed: must be >= 1"))
        's.toml: months: 0 is not allowed: must be >= 1'
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = one_line(where)
        self.problem = one_line(problem)
        super().__init__(f"{self.where}: {self.problem}" if where else self.problem)


def one_line(text: str) -> str:
    r"""``text`` with control characters escaped, so that a message stays on one line.

    User data ends up in messages (a CSV header, an arm name, a TOML key), and a quoted
    value may hold a newline or a NUL byte.

    >>> print(one_line("arms: a" + chr(10) + "b, c" + chr(0)))
    arms: a\nb, c\x00
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
