"""The web app's domain operations, as plain functions the routes, the CLI and the tests all call.

Nothing here reads a Flask request or builds a response: a service takes a database session, the acting
user and plain values (a mapping of what was typed, file bytes, a year) and returns a result or raises
`Refused` with the Vietnamese messages the user reads. Each service stores all of an operation or nothing.
They run inside an application context (the engines and the database are the app's).

- figures.py: the verified values of a record (the commune's figures with the team's corrections) and the
  score of a stored record.
- self_assessment.py: the commune saves or submits its figures.
- review.py: the team accepts items, plans and applies a state change with its guards, the tờ trình.
- sheet_import.py: a filled spreadsheet template stored as drafts, all rows or none.
"""
