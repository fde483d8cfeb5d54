"""``certready serve``'s HTTP side: the dashboard (server-rendered Jinja2), ``/metrics`` and the
access rules (token, login cookie, CSRF)."""
