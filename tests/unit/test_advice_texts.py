"""Every retry advice sentence the pipeline and the face engine can write has a translatable
message, so the pensioner's status page can show it in their language."""

from __future__ import annotations

from leveattest.face import quality
from leveattest.pipeline import advice
from leveattest.sessions.advice_texts import advice_message, translate_advice


def _pipeline_sentences() -> list[str]:
    sentences = [
        advice._CHIP,
        *advice._PAGE.values(),
        *advice._LIVENESS.values(),
        advice._LIVENESS_DEFAULT,
        advice._SELFIE_MISSING,
        "The selfie could not be opened — please take it again.",
        "The photo of the passport page could not be opened — please take it again.",
    ]
    face = [*quality.ADVICE.values(), *quality._PAGE_ADVICE.values()]
    return sentences + [advice._sentence(text) for text in face]


def test_every_retry_sentence_of_the_pipeline_has_a_message():
    missing = [text for text in _pipeline_sentences() if advice_message(text) is None]
    assert missing == []


def test_advice_is_translated_and_a_reviewers_own_words_are_kept():
    text = advice._LIVENESS_DEFAULT
    assert translate_advice(text, "en") == text
    assert translate_advice(text, "nb") != text
    assert translate_advice("Ta bildet på nytt i dagslys.", "de") == "Ta bildet på nytt i dagslys."
