"""The only code that talks to the database: tables, engine set-up, migrations, the library folder."""
