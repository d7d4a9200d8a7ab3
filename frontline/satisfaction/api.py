"""API v1: satisfaction surveys."""

from ninja import Router

router = Router(tags=["Satisfaction surveys"])
