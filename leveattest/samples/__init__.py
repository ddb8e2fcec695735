"""Synthetic sample documents, chips and a test PKI (``leveattest samples generate``).

Modules: ``pki`` (CSCA/DSC/CRL/link certificates), ``signing`` (schemes, SPKI with explicit
brainpool parameters), ``rsa_seeded`` (deterministic keys), ``persons`` (the synthetic
pensioners), ``lds`` (ICAO 9303-10 files and EF.SOD), ``chip`` (one person's chip),
``aa`` (chip-side Active Authentication), ``render`` (data pages and phone photos),
``negatives`` and ``generate`` (the whole tree). Test material only.
"""
