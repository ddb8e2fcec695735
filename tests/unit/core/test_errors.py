from __future__ import annotations

from leveattest.core.errors import LeveattestError, MRZError, all_error_classes


def test_error_codes_are_unique_and_stable_strings():
    codes = [cls.code for cls in all_error_classes()]
    assert len(codes) == len(set(codes))
    assert all(code and code == code.lower() and " " not in code for code in codes)


def test_docstring_is_the_default_message_and_context_is_kept():
    error = MRZError(lines=2)
    assert error.message == "No machine-readable zone could be read."
    assert error.to_dict() == {"code": "mrz_unreadable", "message": error.message, "lines": 2}
    assert isinstance(error, LeveattestError)
    assert 400 <= error.http_status < 500
