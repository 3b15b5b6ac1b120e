"""Sources the bot reads: folders and files, RSS/Atom feeds and web pages (see ``service``)."""
