"""Newsdesk's knowledge base: parsing, chunking, embedding, storing and searching articles."""
