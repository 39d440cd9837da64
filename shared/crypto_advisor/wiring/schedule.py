"""The schedule's event: an EventBridge rule's ``Scheduled Event``, whose ``time`` is the run's clock.

IngestFunction, NewsFunction, DigestFunction and TrainFunction are triggered by
``Schedule`` events (EventBridge rules), chosen because the envelope carries
``time``: a run takes it as its clock, so it is reproducible from its event.
:class:`ScheduledEvent` is Powertools' ``EventBridgeModel`` written out with the
same fields and types, without its descriptions and examples and without
importing Powertools' parser (about 45 ms of CPU per cold start for its parse
function and its model modules); ``tests/unit/test_event_models.py`` checks
both read the same events alike. In its own module so that these functions do
not define the streams' record models (:mod:`.events`) they never read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class ScheduledEvent(BaseModel):
    """An EventBridge event (Powertools' ``EventBridgeModel``): the schedule's ``time`` is the run's clock."""

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]
    replay_name: str | None = Field(None, alias="replay-name")

    @field_validator("detail", mode="before")
    @classmethod
    def _scheduler_detail(cls, value: Any, info: ValidationInfo) -> Any:
        # EventBridge Scheduler sends an empty detail as the string '{}' (as Powertools reads it too).
        return {} if info.data.get("source") == "aws.scheduler" and value == "{}" else value
