"""REFI-QDA exchange (QDA-XML 1.0): ``.qdc`` codebooks and ``.qdpx`` projects.

Write with ``writer``; read other tools' files with ``reader`` (safe zip + defusedxml) and
bring them into a project with ``import_into_project``. Offsets are code points, as the standard says;
``offsets`` copes with tools that count CRLF as one character or count UTF-16 units.
"""
