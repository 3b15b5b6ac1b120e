"""The prompt templates of the optional LLM answerer (Markdown files, loaded by bot.core.prompts)."""
