"""LLM suggesters through litellm: the prompt, output parsing and `LLM` itself. Importing this loads no litellm."""
