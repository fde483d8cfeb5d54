"""The realistic plan (tests/plan/test_windows_plan.py) shared with the PowerShell syntax test."""

from tests.plan.test_windows_plan import plan_dir, sts_ca

__all__ = ["plan_dir", "sts_ca"]
