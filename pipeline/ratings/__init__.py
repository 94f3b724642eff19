"""Ratings beside the comments: read a rating column's scale and compare it with the
comments' sentiment, per group (what ``GET /v1/jobs/{id}/ratings`` serves). Pure."""
