"""The one shape of every error the service answers.

```json
{"status": 422, "error": "invalid_input", "message": "1 of 2 records are invalid; nothing was scored",
 "problems": [{"row": 2, "field": "RH", "value": "140", "problem": "is outside the plausible range",
               "expected": "a number, 0 <= RH <= 100"}]}
```

``row`` is the record's (or image's) 1-based position in the request, ``field`` the
JSON field or form field, ``value`` what was sent (as text, cut at 100 characters);
keys without a value are left out. ``more`` counts problems not listed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: where, what and what was expected."""

    row: int | None = None
    field: str | None = None
    image: str | None = None
    value: str | None = None
    problem: str = ""
    expected: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The problem without its empty keys."""
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass
class ServeError(Exception):
    """A request the service does not answer with predictions: the HTTP status,
    a short error code, a sentence, and the problems found."""

    status: int
    error: str
    message: str
    problems: list[Problem] = field(default_factory=list)
    more: int = 0

    def __str__(self) -> str:
        return self.message

    def as_json(self) -> dict[str, Any]:
        """The response body."""
        body: dict[str, Any] = {
            "status": self.status,
            "error": self.error,
            "message": self.message,
            "problems": [problem.as_json() for problem in self.problems],
        }
        if self.more:
            body["more"] = self.more
        return body
