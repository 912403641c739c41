"""plan-assistant: answers questions about a council's Business Plan, citing Outcome and Key Priority."""

__version__ = "0.1.0"
