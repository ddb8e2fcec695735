"""The pensioner's own pages: the invitation behind the letter's QR code, the steps, the
status, in the pensioner's language (served by ``leveattest serve`` at ``/`` and ``/i/``)."""
