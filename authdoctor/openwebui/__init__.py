"""Open WebUI knowledge: the variables it reads and how it reads them (app-exact semantics)."""
