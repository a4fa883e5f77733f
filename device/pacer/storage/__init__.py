"""The on-device SQLite store: schema, migrations, tables."""
