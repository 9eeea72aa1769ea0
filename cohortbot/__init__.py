"""cohortbot: a community playbook for online courses on Discord and Slack.

The five layers live side by side under this one namespace so they can't collide with other
distributions' top-level packages: ``playbook`` (the pure engine), ``adapters`` (platforms),
``storage`` (SQLAlchemy), ``config`` (settings and playbook files) and ``bot`` (composition root
and CLI). See docs/architecture.md.
"""
