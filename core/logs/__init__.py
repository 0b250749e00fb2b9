"""Logging: text or JSON lines, a correlation id per message, repeats counted, secrets masked."""
