"""What the SQLite store keeps and how: schema, append-only migrations, tables.
May import: core..engine.
"""
