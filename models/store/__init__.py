"""The store: entities, the database engine and sessions, migrations, notes encrypted at rest."""
