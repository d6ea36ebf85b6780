"""Alerts and incidents as data: the vocabulary, entity identity and the alert-grouping decision.

Pure code (no Flask, no SQLModel): the store keeps alerts and incidents, the API takes them in and
hands them out, and both ask this package what an entity is and where a new alert belongs."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Status(StrEnum):
    NEW = "new"
    ACTIVE = "active"
    CLOSED = "closed"


class Classification(StrEnum):
    TRUE_POSITIVE = "true_positive"
    BENIGN_POSITIVE = "benign_positive"
    FALSE_POSITIVE = "false_positive"
    UNDETERMINED = "undetermined"
