"""Steps 1 and 2: the customer segments, and what they need and expect."""
