"""The pure core: certificate facts, rules, policy and the engine. No I/O lives here."""
