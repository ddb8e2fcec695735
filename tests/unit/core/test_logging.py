from __future__ import annotations

import io
import json

from leveattest.core.logging import configure_logging, fingerprint, get_logger, scrub_text

MRZ_LINE_1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
MRZ_LINE_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


def _capture(**event: object) -> dict[str, object]:
    stream = io.StringIO()
    configure_logging("DEBUG", json_logs=True, stream=stream)
    get_logger("test").info("event", **event)
    return json.loads(stream.getvalue())


def test_personal_keys_are_dropped():
    record = _capture(surname="ERIKSSON", birth_date="1974-08-12", document_number="L898902C3")
    assert record["surname"] == record["birth_date"] == record["document_number"] == "[redacted]"


def test_personal_looking_values_are_masked_under_any_key():
    record = _capture(note=f"read {MRZ_LINE_1} {MRZ_LINE_2}", other={"nested": "born 1974-08-12"})
    text = json.dumps(record)
    assert "ERIKSSON" not in text
    assert "L898902C3" not in text
    assert "1974-08-12" not in text


def test_national_id_numbers_are_masked():
    assert "15076500565" not in scrub_text("id 15076500565 seen")


def test_fingerprints_are_short_and_stable():
    assert fingerprint("abc") == fingerprint(b"abc")
    assert fingerprint("abc").startswith("fp:")
    assert len(fingerprint("abc")) == 15
