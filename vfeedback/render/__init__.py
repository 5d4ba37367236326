"""Printable documents drawn with QtGui (QPdfWriter, QPainter, QImage; never QtWidgets): the handout.

Works headless: with no Qt application running, the first call creates a QGuiApplication on the
``offscreen`` platform (unless QT_QPA_PLATFORM says otherwise). Call it from the main thread then,
or from any thread once the GUI's application exists.
"""
