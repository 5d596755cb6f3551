"""The new-rural-development (nông thôn mới) link tables: models and checks, the linker, messages, text."""
