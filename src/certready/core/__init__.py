"""The pure core: certificate facts, rules, policy and the engine. No I/O lives
here: no network, TLS, terminal or files (import-linter forbids the frameworks); policy profiles
are parsed here from text that :func:`certready.adapters.profiles.load_policy` reads."""
