"""The command line: the same services as the GUI, for scripting, batch work and support."""
