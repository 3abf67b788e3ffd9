"""gardefou: guardrails against AI undressing services and the non-consensual intimate images they produce."""

__version__ = "0.1.0"
