"""What live-reload clients are told: events over Server-Sent Events, and a hub that keeps
the recent ones so a tab that reconnects hears what it missed."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from kbsite.errors import Diagnostic


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    name: str  # reload | css | error | ok
    data: dict[str, Any]

    def encode(self) -> bytes:
        payload = json.dumps(self.data, ensure_ascii=False)
        return f"id: {self.seq}\nevent: {self.name}\ndata: {payload}\n\n".encode()


class EventHub:
    """What the live-reload clients are told: the output generation, errors, recent events."""

    def __init__(self, history: int = 64) -> None:
        self._cond = threading.Condition()
        self._events: deque[Event] = deque(maxlen=history)
        self._seq = 0
        self._errors: tuple[dict[str, Any], ...] = ()
        self.generation = 0  # bumped whenever the output changes
        # (generation, the files it changed, or None for "unknown"): a client that reconnects
        # after missing some need only reload if one of them is its page.
        self._changes: deque[tuple[int, tuple[str, ...] | None]] = deque(maxlen=history)
        self.closed = False

    def publish(self, name: str, data: dict[str, Any], *, output_changed: bool) -> Event:
        with self._cond:
            if output_changed:
                self.generation += 1
                paths = data.get("paths") if name == "reload" else data.get("urls")
                self._changes.append((self.generation, tuple(paths) if paths else None))
            self._errors = tuple(data["diagnostics"]) if name == "error" else ()
            self._seq += 1
            event = Event(self._seq, name, {**data, "generation": self.generation})
            self._events.append(event)
            self._cond.notify_all()
            return event

    @property
    def has_errors(self) -> bool:
        with self._cond:
            return bool(self._errors)

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def greeting(self, client_generation: int | None) -> tuple[int, list[Event]]:
        """Return the current sequence number and what a newly connected client must hear."""
        with self._cond:
            events = []
            if client_generation is not None and client_generation < self.generation:
                catch_up = {"generation": self.generation, "paths": self._missed(client_generation)}
                events.append(Event(self._seq, "reload", catch_up))
            if self._errors:
                data = {"diagnostics": list(self._errors), "generation": self.generation}
                events.append(Event(self._seq, "error", data))
            return self._seq, events

    def _missed(self, client_generation: int) -> list[str] | None:
        """The files changed since a client's generation; None if not all are known."""
        missed = [paths for generation, paths in self._changes if generation > client_generation]
        if len(missed) != self.generation - client_generation or None in missed:
            return None
        return sorted({path for paths in missed if paths for path in paths})

    def wait(self, after: int, timeout: float) -> list[Event] | None:
        """Wait for events after sequence `after`; [] on timeout, None once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self._seq > after, timeout)
            if self.closed:
                return None
            missed = [e for e in self._events if e.seq > after]
            if missed and missed[0].seq > after + 1:  # fell out of the history: start over
                return [Event(self._seq, "reload", {"generation": self.generation})]
            return missed


def diagnostic_data(diagnostic: Diagnostic) -> dict[str, Any]:
    loc = diagnostic.location
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "message": str(diagnostic)[len(str(loc)) + 2 :],
        "text": str(diagnostic),
    }
