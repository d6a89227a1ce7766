"""The plan as a whole: the eleven steps' registry (which navigation, the
overview and the tests all read), the eleven-step self-check, and each
person's list of what is theirs to do across the plan.
"""
