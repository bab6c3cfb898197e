"""REFI-QDA exchange (QDA-XML 1.0): ``.qdc`` codebooks and ``.qdpx`` projects.

Write with ``writer``; read other tools' files with ``reader`` (safe zip + defusedxml) and
bring them into a project with ``import_into_project``. Offsets are code points, as the standard says;
``offsets`` decides per source whether a file counts code points, CRLF as one character or
UTF-16 units (NVivo), from the evidence in the file.
"""
