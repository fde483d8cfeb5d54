"""Rules: engine — what the engine itself reports.

``engine.rule-failed`` is the engine's safety net: a check that raises becomes this finding, naming
the rule and the error, and the batch goes on (pkilint's ``unhandled_exception``). It is declared
here so that ``certready rules`` lists it and a profile can set its severity; its check finds
nothing, because the engine emits it when another rule's check fails.
"""

from __future__ import annotations

from collections.abc import Iterable

from certready.core.model import NoParameters, RuleContext, Severity, Violation
from certready.core.rules.registry import SSL_AND_STS, rule


@rule(
    id="engine.rule-failed",
    title="Every rule ran to completion",
    severity=Severity.ERROR,
    rationale=(
        "A rule whose check raised could not judge this target: its verdict is unknown, so the "
        "target cannot be called ready. The other rules still ran."
    ),
    remediation="This is a bug in certready; please report it with --debug output.",
    references=("certready",),
    roles=SSL_AND_STS,
)
def rule_failed(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """Emitted by :mod:`certready.core.engine` when a check raises; finds nothing by itself."""
    return ()
