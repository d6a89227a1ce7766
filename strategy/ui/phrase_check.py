"""Showing the phrase check: used by standards (step 4) and training (step 7)."""

from __future__ import annotations

import streamlit as st

from strategy.core.phrases import check_phrases, split_for_highlight
from strategy.core.safe_text import md


def highlighted(text: str) -> str:
    """Markdown with phrases to avoid highlighted; everything typed stays literal."""
    return "".join(
        f":orange-background[{md(piece)}]" if hit else md(piece)
        for piece, hit in split_for_highlight(text)
    )


def show_phrase_check(text: str, key: str) -> None:
    hits = check_phrases(text)
    if not hits:
        st.success("No phrases to avoid found.", icon=":material/check:")
        return
    st.markdown(highlighted(text))
    st.dataframe(
        [{"Found": h.found, "Why avoid it": h.why, "Say instead": h.better} for h in hits],
        hide_index=True, width="stretch", key=key)
