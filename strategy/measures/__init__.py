"""Steps 10 and 11: measuring customers and employees, and reviewing the plan.

Survey answers (NPS, CSAT, eNPS), the complaints and compliments register,
the impact model (step 6's figures, fed by the register), the measures and
their scorecard, and the quarterly reviews.
"""
