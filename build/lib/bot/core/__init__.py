"""The Discord-free brain: answers, citations, summaries and timelines."""
