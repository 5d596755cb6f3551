"""The engine's edges: criteria and assessments read from disk, spreadsheets, batch, JSON and text output."""
