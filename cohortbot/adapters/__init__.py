"""Thin platform adapters: translate platform payloads to events and perform actions.

Each platform is a package here that registers itself with a ``PLATFORM`` (``platform.py``);
``registry.py`` lists them, and the composition root reads nothing else about platforms.
"""
