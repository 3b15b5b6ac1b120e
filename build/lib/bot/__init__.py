"""Newsdesk's adapters (Discord, CLI, console) and the composition root."""
