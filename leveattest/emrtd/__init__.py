"""ICAO 9303 eMRTD chip data: parsing, passive and active authentication. Pure engine."""
