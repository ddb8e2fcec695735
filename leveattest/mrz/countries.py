"""Three-letter codes valid in an MRZ: ISO 3166-1 alpha-3 plus ICAO 9303-3 §5 extras.

ICAO 9303-3 §5 uses ISO 3166-1 alpha-3 codes, with additions: ``D`` for Germany
(written ``D<<``), the British nationality codes GBD/GBN/GBO/GBP/GBS, Kosovo RKS,
the United Nations and its agencies (UNO, UNA, UNK), organisations issuing travel
documents (EUE, XBA, XCC, XCE, XCO, XDC, XEC, XES, XIM, XMP, XOM, XPO), the stateless
and refugee codes (XXA, XXB, XXC, XXX) and UTO, the fictitious state of the specimens.
"""

from __future__ import annotations

from typing import Final

ISO_ALPHA3: Final = frozenset(
    """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA
    BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN
    CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU
    EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB
    GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL
    ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO
    LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR
    MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER
    PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM
    SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK
    TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM
    VUT WLF WSM YEM ZAF ZMB ZWE
    """.split()  # noqa: SIM905 - a table reads better as text
)

ICAO_EXTRAS: Final[dict[str, str]] = {
    "D": "Germany",
    "GBD": "British Overseas Territories Citizen",
    "GBN": "British National (Overseas)",
    "GBO": "British Overseas Citizen",
    "GBP": "British Protected Person",
    "GBS": "British Subject",
    "RKS": "Kosovo",
    "UNO": "United Nations Organization",
    "UNA": "specialized agency of the United Nations",
    "UNK": "resident of Kosovo, UN Interim Administration",
    "EUE": "European Union",
    "XBA": "African Development Bank",
    "XCC": "Caribbean Community",
    "XCE": "Council of Europe",
    "XCO": "Common Market for Eastern and Southern Africa",
    "XDC": "Southern African Development Community",
    "XEC": "Economic Community of West African States",
    "XES": "Organisation of Eastern Caribbean States",
    "XIM": "African Export-Import Bank",
    "XMP": "Interparliamentary Assembly on Orthodoxy",
    "XOM": "Sovereign Military Order of Malta",
    "XPO": "International Criminal Police Organization",
    "XXA": "stateless person (1954 Convention)",
    "XXB": "refugee (1951 Convention)",
    "XXC": "refugee (other than 1951 Convention)",
    "XXX": "unspecified nationality",
    "UTO": "Utopia (ICAO specimen)",
}

# codes printed in the MRZ that are not the ISO alpha-3 code of the same state
_ALPHA3_FOR_DISPLAY: Final[dict[str, str]] = {"D": "DEU"}


def is_known_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-3 code or an ICAO extra (fillers already stripped)."""
    return code in ISO_ALPHA3 or code in ICAO_EXTRAS


def display_alpha3(code: str) -> str:
    """The alpha-3 code to show: ``D`` → ``DEU``; other codes unchanged."""
    return _ALPHA3_FOR_DISPLAY.get(code, code)
