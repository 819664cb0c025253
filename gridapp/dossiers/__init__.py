"""PDF dossiers of the student archive: rendering, the background jobs of whole classes, their
routes and the clean-up of expired files."""
