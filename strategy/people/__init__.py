"""Steps 7 to 9: the people who deliver the service.

Staff and teams, training (7), the workforce — headcount, hires, leavers,
turnover and retention (8) — and reward and recognition (9).
"""
