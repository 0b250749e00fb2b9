"""Telegram on aiogram 3: long polling or webhook in, drafts or send-and-edit out."""

from bots.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
