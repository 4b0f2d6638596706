"""All SQL of reassessment runs (the assessments they write go through the assessments repository)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.income.reassessments.models import Reassessment
from shared.data.database import AppSession


class ReassessmentRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    def add(self, run: Reassessment) -> None:
        self.session.add(run)

    async def get(self, reassessment_id: uuid.UUID) -> Reassessment | None:
        return (await self.session.scalars(select(Reassessment).where(Reassessment.id == reassessment_id))).first()
