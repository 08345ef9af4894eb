"""Storage: tables, migrations, the group-commit writer and the queries. Knows no HTTP."""
