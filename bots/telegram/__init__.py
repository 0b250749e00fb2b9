"""Telegram on aiogram 3: long polling or webhook in, drafts or send-and-edit out.
Importing this package is cheap: aiogram loads with `adapter`."""
