"""Who the people are and how they get in: accounts and their roles, sign-in
sessions, the access log, single sign-on and workshop guests.

Above ``strategy.core`` (which holds the role → permission table every layer
checks); below the plan's domains, which may ask who an account is.
"""
