"""The platform-neutral playbook engine: events in, actions out.

Nothing in this package imports a platform library, the database layer or the composition
root; import-linter enforces that in CI.
"""
