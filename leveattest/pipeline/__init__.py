"""The verification pipeline: chip → MRZ page vs chip → document policy → faces → liveness.

``Pipeline(settings=..., trust=..., clock=...).run(SessionInputs(...)) -> PipelineOutcome``;
the decision comes from one small pure policy function, :func:`decide`.
"""

from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.outcome import Decision, DocumentFacts, PipelineOutcome
from leveattest.pipeline.policy import decide
from leveattest.pipeline.ports import LivenessVerifier
from leveattest.pipeline.runner import Pipeline

__all__ = [
    "Decision",
    "DocumentFacts",
    "LivenessVerifier",
    "Pipeline",
    "PipelineOutcome",
    "SessionInputs",
    "decide",
]
