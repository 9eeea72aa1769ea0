"""Thin platform adapters: translate platform payloads to events and perform actions."""
