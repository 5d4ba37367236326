"""Moments in and out of other tools' files: ELAN, BORIS, spreadsheets, subtitles, video editors.

Pure readers and writers with no Qt and no database: the services turn their records into moments
(all or nothing) and hand them moments to write.
"""
