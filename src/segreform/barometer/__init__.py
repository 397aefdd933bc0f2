"""The barometer: area types, focus-area indicators and the profiles the web app shows (no web code here)."""
