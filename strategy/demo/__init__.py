"""The demo organisations: a small one with a filled-in plan for newcomers
(``riverbend``) and a large one for measuring speed (``large``)."""
