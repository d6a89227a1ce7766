"""Steps 3 to 6: the service promised and who answers for it.

The vision and values (3), the standards and how they were communicated (4),
accountability — owners, acknowledgements, observed compliance (5) — and each
team's line of sight to the organisation's results (6; the impact model that
step 6 also shows is built from measured complaints, in ``strategy.measures``).
"""
