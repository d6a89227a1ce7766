"""Customer-service strategy planner: the domain core.

Everything here is plain Python over DuckDB. Only ``strategy.ui`` may import
streamlit; ``tests/test_layering.py`` holds the rest of the package to that.
"""

__version__ = "0.1.0"
