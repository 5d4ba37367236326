"""The clinician's workbench: library, player, timeline, inspector and moment list in one window."""
