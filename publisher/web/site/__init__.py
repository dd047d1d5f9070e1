"""The site for people: its static files, search and its own legal pages."""
