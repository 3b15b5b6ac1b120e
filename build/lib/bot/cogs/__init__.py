"""Discord cogs: thin adapters from slash commands to core services."""
