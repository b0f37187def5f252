"""Remembering a page's read model until the trial's data changes.

Every change to trial data, and to who may do what, appends to the audit trail in the same
transaction (:mod:`trialdesk.services.clinical.recording`), so the audit trail's head is a version
stamp of everything a page reads: a read model built at the same head, for the same person, on
the same site day, is the same read model. A casebook the monitor or the coordinator opens again
then costs the access check and one read of the head instead of every table of the subject.

The head must be read before the data the model is built from: data read after it is at least as
new as the stamp, so a model is never remembered under a later head than the data it shows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["AuditHeadMemo"]

T = TypeVar("T")


class AuditHeadMemo(Generic[T]):
    """The last ``size`` models by key (which must include the audit head), least recent out."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._models: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            found = self._models.get(key)
            if found is not None:
                self._models.move_to_end(key)
                return found
        built = build()  # outside the lock: two readers may build the same model once each
        with self._lock:
            self._models[key] = built
            self._models.move_to_end(key)
            while len(self._models) > self._size:
                self._models.popitem(last=False)
        return built

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
