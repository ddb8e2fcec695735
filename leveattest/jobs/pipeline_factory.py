"""The real pipeline of a worker process, built from settings (once per process)."""

from __future__ import annotations

from leveattest.core.clock import Clock
from leveattest.core.errors import LeveattestError
from leveattest.core.logging import get_logger
from leveattest.core.settings import Settings
from leveattest.emrtd.trust import FileTrustStore
from leveattest.face import process_engine
from leveattest.face.liveness.replay import InMemoryReplayIndex
from leveattest.jobs.worker import Analyser
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.outcome import PipelineOutcome
from leveattest.pipeline.ports import LivenessVerifier
from leveattest.pipeline.runner import Pipeline
from leveattest.pipeline.steps.liveness_engine import ReplayIndexSource, build_liveness_verifier

log = get_logger("leveattest.jobs")


class UnavailablePipeline:
    """Stands in when the pipeline cannot be built (e.g. no trust store): every job fails
    with that error, is retried with back-off and finally goes to a person."""

    def __init__(self, error: LeveattestError) -> None:
        self.error = error

    def run(self, inputs: SessionInputs) -> PipelineOutcome:
        del inputs
        raise self.error


def build_pipeline(
    settings: Settings,
    clock: Clock,
    *,
    liveness: LivenessVerifier | None = None,
    replay_source: ReplayIndexSource | None = None,
) -> Analyser:
    """``Pipeline`` with the trust store from ``settings.chip.trust_paths``.

    The face engine and the liveness engine share one set of models, loaded lazily on
    the first job, once per process. Replays are looked up per person in
    ``replay_source`` (the workers pass the database's, shared by all of them); without
    one, this process remembers captures in memory (tests, the CLI).
    """
    try:
        trust = FileTrustStore(settings.chip.trust_paths)
    except LeveattestError as exc:
        log.warning("worker.pipeline_unavailable", code=exc.code, message=exc.message)
        return UnavailablePipeline(exc)
    face_engine = process_engine(settings.face)
    if liveness is None:
        liveness = build_liveness_verifier(
            face_engine,
            settings=settings.liveness,
            replay_index=InMemoryReplayIndex(),
            replay_source=replay_source,
        )
    return Pipeline(
        settings=settings, trust=trust, clock=clock, face_engine=face_engine, liveness=liveness
    )
