"""The composition root: what the service runs, built from one ``Settings``.

* :mod:`leveattest.app.register_root` — the register's part (its database, its app, the
  in-process client); imports nothing of the biometric stack, so ``register serve`` (a
  register-only deployment) uses it;
* :mod:`leveattest.app.bootstrap` — the whole service (the ``serve`` app, the workers,
  the scheduled jobs, the service context).

The CLI commands, the demo and the test fixtures build the service through these modules;
nothing else assembles engines, stores, queues or apps.
"""
