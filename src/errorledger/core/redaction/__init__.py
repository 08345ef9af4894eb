"""Redaction: secrets are taken out of a record before anything stores it (docs/redaction.md).

- ``names``: keys, headers and parameters whose values are secrets, judged by their words;
- ``values``: secrets found by their value (tokens, keys, card numbers…), each a named rule;
- ``walk``: the pass over a record that applies both and reports what it replaced;
- ``policy``: a project's own rules, checked, and the redactor for them.
"""

from errorledger.core.records import Finding
from errorledger.core.redaction.policy import RedactionRules, check_rules, redactor
from errorledger.core.redaction.values import REDACTED
from errorledger.core.redaction.walk import Redaction, Redactor

__all__ = [
    "REDACTED",
    "Finding",
    "Redaction",
    "RedactionRules",
    "Redactor",
    "check_rules",
    "redactor",
]
