"""The prompt templates of the optional LLM answerer (Markdown, loaded by bot.core.prompts)."""
