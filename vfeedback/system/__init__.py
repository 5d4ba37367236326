"""What every layer above the core shares with the operating system: the one way to write a file
(``files``) and the one owner of child processes (``processes``). No database, no Qt, no media."""
