"""The pure core: certificate facts, rules, policy and the engine. No network, TLS or terminal I/O
lives here (import-linter forbids it); the one file read is a policy profile's TOML
(:func:`certready.core.policy.load_policy`)."""
