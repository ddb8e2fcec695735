"""The central life-certificate register (Leveattestregisteret): its own bounded context.

It has its own schema and Alembic migrations, authenticates pension companies with
OAuth2 private_key_jwt, discloses status only under a proven pension relationship and
logs every disclosure in a hash chain. ``leveattest`` reaches it only through
``register.client``.
"""

__all__: list[str] = []
